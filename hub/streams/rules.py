"""The rules stage's batch step: LinkedEvents and person merges in, flags and alerts out.

A merge (person.merges: the linker proved two person ids are one) moves the merged person's
timeline and repeat-interval memory to the survivor, and leaves a redirect so an event of the
merged id still in flight joins the survivor too. The merged person's events and the event
that proved the merge are then evaluated again over the joined timeline, so a flag that needs
both halves of the history is raised, whichever of the LinkedEvent and the merge record the
stage sees first. Flags raised before come out again with the same ids (deduplicated
downstream), and the joined repeat-interval memory keeps panels from being alerted twice.

Order at commit: flags and alerts are sent and their acknowledgements awaited (once per
batch), and only then are timelines and repeat-interval memory written. The stage skips an
event its timeline already holds, so writing state first could lose an alert in a crash;
this way a crash can only repeat one (same deterministic id, deduplicated downstream).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from hub.contracts.codec import Codec
from hub.routing.config import Routing
from hub.routing.router import route
from hub.rules.engine import Flag, evaluate
from hub.rules.policy import Policy
from hub.rules.timeline import Entry, add, entry, latest_sealed, merge
from hub.streams.metrics import WorkerMetrics
from hub.streams.observe import observe_all
from hub.streams.order import PartitionOrder
from hub.streams.outputs import HeaderFactory, Outbox, header_time, sealed_branch
from hub.streams.sender import BatchSender
from hub.streams.state import TableBatch


def merge_memory(keep: dict[str, str], other: dict[str, str]) -> dict[str, str]:
    """Repeat-interval memory of two people as one: the later alert date per key."""
    out = dict(keep)
    for key, when in other.items():
        if key not in out or when > out[key]:
            out[key] = when
    return out


LOCAL_LINKED, LOCAL_MERGE = "linked", "merge"
DONE_LOCALLY = 100_000  # event ids remembered as evaluated in-process


@dataclass(frozen=True, slots=True)  # slots: one object an event, not two
class Local:
    """A LinkedEvent or a merge the link stage hands over in-process, with the source
    event's Kafka timestamp (hub.streams.handover).

    ``record`` is the LinkedEvent as the link stage encoded it, not decoded again: its
    fields equal the decoded ones (the facts' keys may come in another order, which no rule
    reads), and the decode cost about 9 us per event."""

    event_id: str
    person_id: str
    timestamp: float
    record: dict[str, Any] | None = None
    merge: tuple[str, str, str] | None = None  # surviving, merged, evidence event id

    @property
    def key(self) -> tuple[str, str]:
        return (LOCAL_MERGE if self.merge is not None else LOCAL_LINKED, self.event_id)


def ce_id(message: Any) -> str | None:
    """The record's CloudEvents id header, without decoding the record."""
    for key, value in getattr(message, "headers", None) or ():
        if key == "ce_id":
            return bytes(value).decode()
    return None


def _dated(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "occurred_on": date.fromisoformat(item["occurred_on"])}


class RulesStep:
    def __init__(
        self,
        codec: Codec,
        policy: Policy,
        routing: Routing,
        timelines: TableBatch,
        alerted: TableBatch,
        redirects: TableBatch,
        merges_topic: str,
        sender: BatchSender,
        flags_topic: str,
        alert_topics: dict[str, str],
        metrics: WorkerMetrics,
    ) -> None:
        self.sender = sender
        self.codec = codec
        self.policy = policy
        self.routing = routing
        self.timelines = timelines
        self.alerted = alerted
        self.redirects = redirects
        self.merges_topic = merges_topic
        self.flags_topic = flags_topic
        self.alert_topics = alert_topics
        self.metrics = metrics
        self.headers = HeaderFactory(codec.registry)
        self.outbox = Outbox()
        self._counts: dict[tuple[str, str], int] = {}
        self._latencies: list[float] = []
        self._now = datetime.now(UTC)
        self._time = header_time(self._now)
        self.done_locally: dict[tuple[str, str], None] = {}
        self.order: PartitionOrder | None = None  # set by the handover (hub.streams.order)
        self._keep_days = policy.longest_window

    def begin(self) -> None:
        self.timelines.reset()
        self.alerted.reset()
        self.redirects.reset()
        self.outbox.clear()
        self._counts = {}
        self._latencies = []
        self._now = datetime.now(UTC)
        self._time = header_time(self._now)
        self._keep_days = self.policy.longest_window  # a max over the rules: once a batch

    def _count(self, kind: str, label: str) -> None:
        self._counts[(kind, label)] = self._counts.get((kind, label), 0) + 1

    def resolve(self, person: str) -> str:
        """Follow merge redirects to the surviving person id."""
        seen = {person}
        while (target := self.redirects.get(person)) is not None and target not in seen:
            seen.add(target)
            person = target
        return person

    def one(self, event: Any) -> None:
        if isinstance(event, Local):  # handed over in-process by the link stage
            if event.merge is not None:
                self.merge(*event.merge)
            elif event.record is not None:
                self.linked(event.record, event.timestamp)
            else:
                raise ValueError(f"handed-over event {event.event_id} has no record")
            return
        message = event.message
        merges = message.topic == self.merges_topic
        if self.done_locally and (LOCAL_MERGE if merges else LOCAL_LINKED, ce_id(message)) in (
            self.done_locally
        ):
            return  # this process already evaluated it, before it was even sent
        schema, record = self.codec.decode(event.value)
        if merges:
            if schema != "PersonMerged":
                raise ValueError(f"{schema} on the merges topic")
            self.merge(record["surviving_id"], record["merged_id"], record["evidence_event_id"])
            return
        if schema != "LinkedEvent":
            raise ValueError(f"{schema} on the linked events topic")
        self.linked(record, message.timestamp)

    async def acknowledge(self, events: Sequence[Any]) -> None:
        """After ``commit``: the batch's events are done, and evaluated in their order."""
        for event in events:
            event.ack()
        if self.order is not None:
            self.order.evaluated_events(events)

    def handed_over(self, done: list[tuple[str, str]]) -> None:
        """Remember what the link stage had evaluated here, so the copy read back from Kafka
        is skipped without a decode; the oldest are forgotten past ``DONE_LOCALLY``."""
        remembered = self.done_locally
        for key in done:
            remembered[key] = None
        excess = len(remembered) - DONE_LOCALLY
        if excess > 0:
            for key in list(itertools.islice(remembered, excess)):
                del remembered[key]

    def linked(self, record: dict[str, Any], timestamp: float) -> None:
        person = self.resolve(record["person_id"])
        new = entry(
            record["event_id"],
            record["partner"],
            record["source_record_ref"],
            record["facts"],
            record["sealed"],
        )
        held = self.timelines.get(person) or []
        timeline, fresh = add(held, new, self._keep_days)
        if not fresh:
            if any(e["event_id"] == new["event_id"] for e in held):
                self._count("outcome", "duplicate")
                return  # redelivered: flags and alerts were produced the first time
            # A new version of a record already held (a crime updated with its outcome)
            # replaces it and is no new event: kept, never a repeat that raises a flag.
            self.timelines[person] = timeline
            self._count("outcome", "evaluated")
            self._latencies.append(timestamp)
            return
        flags = evaluate(self.policy, person, timeline, new)
        if flags:  # no flags, no alerts: the memory is neither needed nor changed
            self.emit(person, timeline, flags, self.alerted.get(person) or {})
        self.timelines[person] = timeline
        self._count("outcome", "evaluated")
        self._latencies.append(timestamp)

    def merge(self, surviving: str, merged: str, evidence_event_id: str) -> None:
        survivor = self.resolve(surviving)
        if self.resolve(merged) == survivor:
            self._count("outcome", "duplicate")
            return  # already merged (a redelivered record)
        self.redirects[merged] = survivor
        gone = self.timelines.get(merged) or []
        timeline = merge(self.timelines.get(survivor) or [], gone, self._keep_days)
        renamed = {
            key.replace(f"|{merged}|", f"|{survivor}|"): when
            for key, when in (self.alerted.get(merged) or {}).items()
        }
        memory = merge_memory(self.alerted.get(survivor) or {}, renamed)
        self.timelines[survivor] = timeline
        self.alerted[survivor] = memory
        self._count("outcome", "evaluated")
        # Each of the merged person's events, and the one that proved the merge, meets the
        # survivor's history for the first time: evaluate them as if they had just arrived.
        meeting = {e["event_id"] for e in gone} | {evidence_event_id}
        flags: dict[str, Flag] = {}
        for item in timeline:
            if item["event_id"] in meeting:
                for flag in evaluate(self.policy, survivor, timeline, item):
                    flags[flag["flag_id"]] = flag
        if flags:
            self.emit(survivor, timeline, list(flags.values()), memory)

    def emit(
        self, person: str, timeline: list[Entry], flags: list[Flag], memory: dict[str, str]
    ) -> None:
        """Queue the flags and the alerts they route to; remember what was alerted."""
        out, memory = route(self.routing, flags, memory)
        for flag in flags:
            value = self.codec.encode(
                "FlagRaised",
                {
                    "flag_id": flag["flag_id"],
                    "rule_id": flag["rule_id"],
                    "policy_version": flag["policy_version"],
                    "person_id": person,
                    "raised_at": self._now,
                    "evidence": [_dated(e) for e in flag["evidence"]],
                    "attributes": flag["attributes"],
                },
            )
            self.outbox.add(
                self.flags_topic,
                person.encode(),
                value,
                self.headers("FlagRaised", flag["flag_id"], self._time),
            )
            self._count("rule", flag["rule_id"])
        for alert in out:
            value = self.codec.encode(
                "PanelAlert",
                {
                    "alert_id": alert["alert_id"],
                    "panel": alert["panel"],
                    "person_id": person,
                    "rules": alert["rules"],
                    "evidence": [_dated(e) for e in alert["evidence"]],
                    "fields": alert["fields"],
                    "sealed": sealed_branch(
                        latest_sealed(timeline, {e["event_id"] for e in alert["evidence"]})
                    ),
                    "created_at": self._now,
                },
            )
            self.outbox.add(
                self.alert_topics[alert["family"]],
                person.encode(),
                value,
                self.headers("PanelAlert", alert["alert_id"], self._time),
            )
            self._count("panel", alert["family"])
        if out:
            self.alerted[person] = memory

    def _persisted(self, topic: str, partition: int, offset: int) -> None:
        for table in (self.timelines, self.alerted, self.redirects):
            table.persisted(topic, partition, offset)

    async def commit(self) -> None:
        await self.outbox.hand_to(self.sender)
        outputs = await self.sender.send()
        if outputs:
            await asyncio.gather(*outputs)  # acknowledged before the state that skips them
        self.timelines.flush(self.sender)
        self.alerted.flush(self.sender)
        self.redirects.flush(self.sender)
        await self.sender.send(on_sent=self._persisted)
        metrics = self.metrics
        for (kind, label), n in self._counts.items():
            if kind == "outcome":
                metrics.events.labels("rules", label).inc(n)
            elif kind == "rule":
                metrics.flags.labels(label).inc(n)
            else:
                metrics.alerts.labels(label).inc(n)
        sent = datetime.now(UTC).timestamp()
        observe_all(  # once a batch, not per event
            metrics.latency.labels("rules"), [max(0.0, sent - t) for t in self._latencies]
        )
        self._counts = {}
        self._latencies = []
