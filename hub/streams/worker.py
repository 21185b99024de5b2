"""The hub's stream layer: one Faust app, two agents, thin wrappers around pure logic.

- ``hub-link`` reads the five source topics (one partition each: linkage needs one order and
  one global index, docs/scaling.md), links each event (hub.linkage) with its state in a
  one-partition RocksDB table, and writes a LinkedEvent keyed by person to linked.events.
- ``hub-rules`` reads linked.events (partitioned by person), keeps each person's timeline and
  repeat-interval memory in tables, evaluates the policy (hub.rules), routes flags to panels
  (hub.routing), and writes flags and panel alerts.

The rules stage sends its outputs and waits for their acknowledgement before it updates state,
so a crash can only repeat an output (same deterministic id, deduplicated downstream), never
lose one; the link stage re-sends on redelivery, so it relies on Faust flushing the producer
before each offset commit. Every per-event failure is dead-lettered before the event is
acknowledged (hub.streams.safe).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any, cast

import faust

from hub.config import HubSettings
from hub.contracts.codec import Codec
from hub.contracts.envelope import CloudEvent, event_type
from hub.contracts.registry import load_registry
from hub.kafka.topics import PANELS, PARTNERS, STAGES, topic_name
from hub.linkage.candidate import candidate
from hub.linkage.linker import Linker
from hub.linkage.store import LinkageStore
from hub.routing.config import DEFAULT_ROUTING, load_routing
from hub.routing.router import route
from hub.rules.engine import evaluate
from hub.rules.facts import facts
from hub.rules.policy import DEFAULT_POLICY, load_policy
from hub.rules.timeline import add, entry, latest_sealed
from hub.streams.app import create_app
from hub.streams.safe import guarded

log = logging.getLogger(__name__)


def _raw_topic(app: faust.App, *names: str) -> Any:
    """Values stay bytes: the agents decode inside the dead-letter guard, never before."""
    return app.topic(*names, key_serializer="raw", value_serializer="raw")


def _headers(schema: str, event_id: str) -> list[tuple[str, bytes]]:
    registry = load_registry()
    spec = registry.get(schema)
    return CloudEvent(
        event_id,
        "/csp/hub/worker",
        event_type(schema, spec.version),
        datetime.now(UTC),
        spec.fingerprint.hex(),
    ).headers()


def _dated(flag_or_evidence: dict[str, Any]) -> dict[str, Any]:
    return {**flag_or_evidence, "occurred_on": date.fromisoformat(flag_or_evidence["occurred_on"])}


def build(settings: HubSettings) -> faust.App:
    policy = load_policy(settings.rules.policy_file or DEFAULT_POLICY)
    routing = load_routing(settings.rules.routing_file or DEFAULT_ROUTING)
    prefix = settings.topic_prefix
    app = create_app(settings, "hub-worker")
    codec = Codec()

    sources = _raw_topic(app, *(topic_name(f"src.{p}", prefix) for p in PARTNERS))
    linked = _raw_topic(app, topic_name("linked.events", prefix))
    merges = _raw_topic(app, topic_name("person.merges", prefix))
    flags_out = _raw_topic(app, topic_name("flags", prefix))
    alerts = {p: _raw_topic(app, topic_name(f"alerts.{p}", prefix)) for p in PANELS}
    dlq = {s: _raw_topic(app, topic_name(f"dlq.{s}", prefix)) for s in STAGES}

    linkage_state = app.Table("hub-linkage-state", partitions=1)
    timelines = app.Table("hub-timelines", partitions=6)
    alerted = app.Table("hub-alerted", partitions=6)
    linker = Linker(cast(LinkageStore, linkage_state))

    async def link_one(event: Any) -> None:
        schema, record = codec.decode(event.value)
        decision = linker.link(candidate(record))
        envelope = record["envelope"]
        value = codec.encode(
            "LinkedEvent",
            {
                "event_id": envelope["event_id"],
                "partner": envelope["partner"],
                "source_record_ref": envelope["source_record_ref"],
                "person_id": decision.person_id,
                "link_method": decision.method,
                "link_score": decision.score,
                "facts": facts(schema, record),
                "sealed": record["identity"]["sealed"],
                "linked_at": datetime.now(UTC),
            },
        )
        # No wait for this acknowledgement: the decision is stored per event id, a redelivered
        # event re-sends the same LinkedEvent, and Faust flushes the producer before it commits
        # the source offset.
        await linked.send(
            key=decision.person_id.encode(),
            value=value,
            headers=_headers("LinkedEvent", envelope["event_id"]),
        )
        for survivor, merged in decision.merges:
            merged_value = codec.encode(
                "PersonMerged",
                {
                    "surviving_id": survivor,
                    "merged_id": merged,
                    "evidence_event_id": envelope["event_id"],
                    "score": 1.0,
                    "merged_at": datetime.now(UTC),
                },
            )
            await (
                await merges.send(
                    key=merged.encode(),
                    value=merged_value,
                    headers=_headers("PersonMerged", envelope["event_id"]),
                )
            )

    async def rules_one(event: Any) -> None:
        _, record = codec.decode(event.value)
        person = record["person_id"]
        new = entry(
            record["event_id"],
            record["partner"],
            record["source_record_ref"],
            record["facts"],
            record["sealed"],
        )
        timeline, fresh = add(timelines.get(person) or [], new, policy.longest_window)
        if not fresh:
            return  # redelivered: flags and alerts were produced the first time
        flags = evaluate(policy, person, timeline, new)
        out, memory = route(routing, flags, alerted.get(person) or {})
        now = datetime.now(UTC)
        for flag in flags:
            value = codec.encode(
                "FlagRaised",
                {
                    "flag_id": flag["flag_id"],
                    "rule_id": flag["rule_id"],
                    "policy_version": flag["policy_version"],
                    "person_id": person,
                    "raised_at": now,
                    "evidence": [_dated(e) for e in flag["evidence"]],
                    "attributes": flag["attributes"],
                },
            )
            await (
                await flags_out.send(
                    key=person.encode(),
                    value=value,
                    headers=_headers("FlagRaised", flag["flag_id"]),
                )
            )
        for alert in out:
            value = codec.encode(
                "PanelAlert",
                {
                    "alert_id": alert["alert_id"],
                    "panel": alert["panel"],
                    "person_id": person,
                    "rules": alert["rules"],
                    "evidence": [_dated(e) for e in alert["evidence"]],
                    "fields": alert["fields"],
                    "sealed": latest_sealed(timeline, {e["event_id"] for e in alert["evidence"]}),
                    "created_at": now,
                },
            )
            topic = alerts[alert["family"]]
            await (
                await topic.send(
                    key=person.encode(),
                    value=value,
                    headers=_headers("PanelAlert", alert["alert_id"]),
                )
            )
        timelines[person] = timeline  # state last: a crash before this repeats, never loses
        alerted[person] = memory

    @app.agent(sources, name="hub-link")
    async def link_agent(stream: Any) -> None:
        async for _ in guarded(stream, "link", dlq["link"], link_one):
            pass

    @app.agent(linked, name="hub-rules")
    async def rules_agent(stream: Any) -> None:
        async for _ in guarded(stream, "rules", dlq["rules"], rules_one):
            pass

    return app
