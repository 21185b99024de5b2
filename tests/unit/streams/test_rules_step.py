"""The rules stage's batch step: merges move the timeline and memory to the survivor."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from prometheus_client import CollectorRegistry

from hub.contracts.codec import Codec
from hub.kafka.topics import PANELS
from hub.routing.config import load_routing
from hub.rules.policy import load_policy
from hub.streams.metrics import WorkerMetrics
from hub.streams.rules import RulesStep, merge_memory
from hub.streams.sender import key_partition
from hub.streams.state import TableBatch
from tests.unit.streams.fakes import Table

CODEC = Codec()
LINKED, MERGES = "linked.events", "person.merges"


@dataclass
class Message:
    topic: str
    timestamp: float = 0.0
    partition: int = 0


@dataclass
class Event:
    value: bytes
    message: Message


class CollectingSender:
    """Records what a commit would send; futures resolve at once."""

    def __init__(self) -> None:
        self.records: list[tuple[str, bytes | None, bytes | None]] = []

    def add(self, topic: str, partition: int, key: bytes | None, value: bytes | None) -> None:
        self.records.append((topic, key, value))

    async def add_keyed(
        self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
    ) -> None:
        self.records.append((topic, key, value))

    async def send(self, on_sent: Any = None, placed: Any = None) -> list[asyncio.Future[Any]]:
        return []


def linked(event_id: str, person: str, on: date, partner: str = "ed", **more: Any) -> Event:
    facts: dict[str, Any] = {
        "kind": "ed.assault_attendance",
        "occurred_on": on,
        "role": "victim",
        "category": "assault_attendance",
        "violent": True,
        "group_offence": False,
        "age_at_event": 19,
        "birth_month": "2006-02",
        "area": "E01000001",
        "open_to_statutory_services": None,
        "release_date": None,
        "gravity_score": None,
        **more,
    }
    value = CODEC.encode(
        "LinkedEvent",
        {
            "event_id": event_id,
            "partner": partner,
            "source_record_ref": f"ref-{event_id}",
            "person_id": person,
            "link_method": "new_person",
            "link_score": 0.0,
            "facts": facts,
            "sealed": None,
            "linked_at": datetime.now(UTC),
        },
    )
    return Event(value, Message(LINKED))


def merged(survivor: str, gone: str, proof: str) -> Event:
    value = CODEC.encode(
        "PersonMerged",
        {
            "surviving_id": survivor,
            "merged_id": gone,
            "evidence_event_id": proof,
            "score": 1.0,
            "merged_at": datetime.now(UTC),
        },
    )
    return Event(value, Message(MERGES))


def make_step() -> tuple[RulesStep, CollectingSender, CollectorRegistry]:
    registry = CollectorRegistry()
    sender = CollectingSender()

    def partition(key: str) -> int:
        return key_partition(key.encode(), 6)

    step = RulesStep(
        CODEC,
        load_policy(),
        load_routing(),
        TableBatch(Table("hub-timelines"), partition),
        TableBatch(Table("hub-alerted"), partition),
        TableBatch(Table("hub-person-redirects"), partition),
        MERGES,
        sender,  # type: ignore[arg-type]
        "flags",
        {p: f"alerts.{p}" for p in PANELS},
        WorkerMetrics(registry),
    )
    return step, sender, registry


def run_batch(step: RulesStep, *events: Event) -> None:
    step.begin()
    for event in events:
        step.one(event)
    asyncio.run(step.commit())


def flags_sent(sender: CollectingSender) -> list[dict[str, Any]]:
    return [CODEC.decode(v)[1] for t, _, v in sender.records if t == "flags" and v]


def test_a_merge_joins_two_histories_and_raises_the_flag_that_needs_both() -> None:
    step, sender, registry = make_step()
    run_batch(step, linked("e1", "p-a", date(2025, 1, 10)))
    run_batch(step, linked("e2", "p-b", date(2025, 3, 1)))
    assert flags_sent(sender) == []  # one violent victimisation each: nothing yet
    run_batch(step, merged("p-a", "p-b", "e2"))
    (flag,) = flags_sent(sender)
    assert flag["rule_id"] == "repeat_victim"
    assert flag["person_id"] == "p-a"
    assert [e["event_id"] for e in flag["evidence"]] == ["e1", "e2"]
    assert [e["event_id"] for e in step.timelines.get("p-a")] == ["e1", "e2"]
    alerts = [t for t, _, _ in sender.records if t.startswith("alerts.")]
    assert alerts  # routed to a panel, under the survivor
    assert all("|p-a|" in key for key in step.alerted.get("p-a"))
    evaluated = registry.get_sample_value(
        "hub_worker_events_total", {"stage": "rules", "outcome": "evaluated"}
    )
    assert evaluated == 3


def test_an_event_of_the_merged_id_still_in_flight_joins_the_survivor() -> None:
    step, sender, _ = make_step()
    run_batch(step, linked("e1", "p-a", date(2025, 1, 10)), merged("p-a", "p-b", "e1"))
    run_batch(step, linked("e2", "p-b", date(2025, 2, 1)))  # linked before the merge was known
    assert [e["event_id"] for e in step.timelines.get("p-a")] == ["e1", "e2"]
    assert step.timelines.get("p-b") is None
    assert [f["person_id"] for f in flags_sent(sender)] == ["p-a"]


def test_a_redelivered_merge_changes_nothing() -> None:
    step, sender, registry = make_step()
    run_batch(step, linked("e1", "p-a", date(2025, 1, 10)), linked("e2", "p-b", date(2025, 3, 1)))
    run_batch(step, merged("p-a", "p-b", "e2"))
    before = len(sender.records)
    run_batch(step, merged("p-a", "p-b", "e2"))
    assert len(sender.records) == before
    duplicates = registry.get_sample_value(
        "hub_worker_events_total", {"stage": "rules", "outcome": "duplicate"}
    )
    assert duplicates == 1


def test_memory_keeps_the_later_alert_date() -> None:
    keep = {"engage|p-a|repeat_victim": "2025-01-01", "iom|p-a|prison_release": "2025-05-01"}
    other = {"engage|p-a|repeat_victim": "2025-02-01", "iom|p-a|prison_release": "2025-04-01"}
    assert merge_memory(keep, other) == {
        "engage|p-a|repeat_victim": "2025-02-01",
        "iom|p-a|prison_release": "2025-05-01",
    }
