"""The link stage's batch step: source events in, LinkedEvents (and merges) out.

Order at commit: outputs are sent without waiting for their acknowledgements, then the
linkage state is written. That is safe because the linker stores its decision per event id:
a redelivered event gets the same decision and re-sends the same LinkedEvent (deduplicated
downstream on the event id), and Faust flushes the producer before it commits a source offset,
so an offset is never committed ahead of its outputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

from hub.contracts.codec import Codec
from hub.linkage.candidate import candidate
from hub.linkage.linker import Linker
from hub.linkage.store import LinkageStore
from hub.rules.facts import facts
from hub.streams.metrics import WorkerMetrics
from hub.streams.observe import observe_all
from hub.streams.outputs import HeaderFactory, Outbox, header_time, sealed_branch
from hub.streams.rules import Local
from hub.streams.sender import BatchSender, Placed
from hub.streams.state import TableBatch


class LinkStep:
    def __init__(
        self,
        codec: Codec,
        state: TableBatch,
        sender: BatchSender,
        linked_topic: str,
        merges_topic: str,
        metrics: WorkerMetrics,
    ) -> None:
        self.sender = sender
        self.codec = codec
        self.state = state
        self.linker = Linker(cast(LinkageStore, state))
        self.linked_topic = linked_topic
        self.merges_topic = merges_topic
        self.metrics = metrics
        self.headers = HeaderFactory(codec.registry)
        self.outbox = Outbox()
        self._seen: list[tuple[str, float, str, int]] = []  # partner, timestamp, method, merges
        self._now = datetime.now(UTC)
        self._time = header_time(self._now)
        self.handover: Any = None  # hub.streams.handover.Handover, set by the worker
        self._local: list[Local] = []
        self._placed: list[Placed] = []  # where the batch's records went (the handover's)

    def begin(self) -> None:
        self.state.reset()
        self.outbox.clear()
        self._seen = []
        self._local = []
        self._now = datetime.now(UTC)
        self._time = header_time(self._now)

    def one(self, event: Any) -> None:
        schema, record = self.codec.decode(event.value)
        rule_facts = facts(schema, record)  # before linking: a bad event changes no state
        decision = self.linker.link(candidate(record))
        envelope = record["envelope"]
        event_id = envelope["event_id"]
        sealed = record["identity"]["sealed"]
        linked = {
            "event_id": event_id,
            "partner": envelope["partner"],
            "source_record_ref": envelope["source_record_ref"],
            "person_id": decision.person_id,
            "link_method": decision.method,
            "link_score": decision.score,
            "facts": rule_facts,
            "sealed": sealed,
            "linked_at": self._now,
        }
        value = self.codec.encode("LinkedEvent", {**linked, "sealed": sealed_branch(sealed)})
        self.outbox.add(
            self.linked_topic,
            decision.person_id.encode(),
            value,
            self.headers("LinkedEvent", event_id, self._time),
        )
        timestamp = event.message.timestamp
        self._local.append(Local(event_id, decision.person_id, timestamp, linked))
        for survivor, merged in decision.merges:
            merged_value = self.codec.encode(
                "PersonMerged",
                {
                    "surviving_id": survivor,
                    "merged_id": merged,
                    "evidence_event_id": event_id,
                    "score": 1.0,
                    "merged_at": self._now,
                },
            )
            self.outbox.add(
                self.merges_topic,
                merged.encode(),
                merged_value,
                self.headers("PersonMerged", event_id, self._time),
            )
            self._local.append(
                Local(event_id, survivor, timestamp, merge=(survivor, merged, event_id))
            )
        self._seen.append(
            (
                envelope["partner"],
                timestamp,
                decision.method,
                len(decision.merges),
            )
        )

    async def acknowledge(self, events: Sequence[Any]) -> None:
        """After ``commit``: acknowledge now, or once the rules stage has evaluated the
        batch's outputs in-process (hub.streams.handover)."""
        local, self._local = self._local, []
        placed, self._placed = self._placed, []
        if self.handover is None:
            for event in events:
                event.ack()
        else:
            await self.handover.submit(local, events, placed)

    async def commit(self) -> None:
        await self.outbox.hand_to(self.sender)
        self.state.flush(self.sender)
        self._placed = []
        await self.sender.send(on_sent=self.state.persisted, placed=self._placed)  # no wait
        metrics = self.metrics
        sent = datetime.now(UTC).timestamp()
        latest: dict[str, float] = {}
        decisions: dict[str, int] = {}
        merged = 0
        latencies: list[float] = []
        for partner, timestamp, method, merges in self._seen:
            decisions[method] = decisions.get(method, 0) + 1
            merged += merges
            latencies.append(max(0.0, sent - timestamp))
            latest[partner] = max(latest.get(partner, 0.0), timestamp)
        observe_all(metrics.latency.labels("link"), latencies)  # once a batch, not per event
        metrics.decided(decisions, merged)
        metrics.events.labels("link", "linked").inc(len(self._seen))
        for partner, timestamp in latest.items():
            metrics.partner_last_event.labels(partner).set(timestamp)
        self._seen = []
