"""The rules stage's batch step: LinkedEvents in, flags and panel alerts out.

Order at commit: flags and alerts are sent and their acknowledgements awaited (once per
batch), and only then are timelines and repeat-interval memory written. The stage skips an
event its timeline already holds, so writing state first could lose an alert in a crash;
this way a crash can only repeat one (same deterministic id, deduplicated downstream).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from hub.contracts.codec import Codec
from hub.routing.config import Routing
from hub.routing.router import route
from hub.rules.engine import Flag, evaluate
from hub.rules.policy import Policy
from hub.rules.timeline import Entry, add, entry, latest_sealed
from hub.streams.metrics import WorkerMetrics
from hub.streams.outputs import HeaderFactory, Outbox, header_time
from hub.streams.sender import BatchSender
from hub.streams.state import TableBatch


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
        self.flags_topic = flags_topic
        self.alert_topics = alert_topics
        self.metrics = metrics
        self.headers = HeaderFactory(codec.registry)
        self.outbox = Outbox()
        self._counts: dict[tuple[str, str], int] = {}
        self._latencies: list[float] = []
        self._now = datetime.now(UTC)
        self._time = header_time(self._now)

    def begin(self) -> None:
        self.timelines.reset()
        self.alerted.reset()
        self.outbox.clear()
        self._counts = {}
        self._latencies = []
        self._now = datetime.now(UTC)
        self._time = header_time(self._now)

    def _count(self, kind: str, label: str) -> None:
        self._counts[(kind, label)] = self._counts.get((kind, label), 0) + 1

    def one(self, event: Any) -> None:
        _, record = self.codec.decode(event.value)
        person = record["person_id"]
        new = entry(
            record["event_id"],
            record["partner"],
            record["source_record_ref"],
            record["facts"],
            record["sealed"],
        )
        timeline, fresh = add(self.timelines.get(person) or [], new, self.policy.longest_window)
        if not fresh:
            self._count("outcome", "duplicate")
            return  # redelivered: flags and alerts were produced the first time
        flags = evaluate(self.policy, person, timeline, new)
        memory = self.alerted.get(person) or {}
        self.emit(person, timeline, flags, memory)
        self.timelines[person] = timeline
        self._count("outcome", "evaluated")
        self._latencies.append(event.message.timestamp)

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
                    "sealed": latest_sealed(timeline, {e["event_id"] for e in alert["evidence"]}),
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
        self.timelines.persisted(topic, partition, offset)
        self.alerted.persisted(topic, partition, offset)

    async def commit(self) -> None:
        await self.outbox.hand_to(self.sender)
        outputs = await self.sender.send()
        if outputs:
            await asyncio.gather(*outputs)  # acknowledged before the state that skips them
        self.timelines.flush(self.sender)
        self.alerted.flush(self.sender)
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
        for timestamp in self._latencies:
            metrics.latency.labels("rules").observe(max(0.0, sent - timestamp))
        self._counts = {}
        self._latencies = []
