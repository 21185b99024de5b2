"""Send the outbox to Kafka and record what Kafka acknowledged.

After a crash, events still in the outbox may or may not have reached Kafka (sent, but killed
before the acknowledgement was stored). ``reconcile`` reads each partition from the last
acknowledged offset to its end, collects the event ids found there (from the ``ce_id`` header,
without decoding a value), and marks those as published, so nothing is sent twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hub.config import HubSettings
from hub.connectors.outbox import Acknowledged, Outbox
from hub.errors import SourceUnavailableError
from hub.kafka.client import kafka_python_config, producer_config

log = logging.getLogger(__name__)

EVENT_ID_HEADER = "ce_id"


@dataclass(frozen=True)
class Sent:
    acknowledged: list[Acknowledged]
    failed: int
    seconds: float


class Publisher:
    """One idempotent producer for one connector; reconnects after Kafka comes back."""

    def __init__(self, settings: HubSettings, outbox: Outbox, *, block_s: float = 5.0) -> None:
        self.settings = settings
        self.outbox = outbox
        self.block_s = block_s
        self._producer: Any = None

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=10)
            self._producer = None

    def _connect(self) -> Any:
        if self._producer is None:
            from kafka import KafkaProducer
            from kafka.errors import RetriableError

            config = {
                **producer_config(self.settings),
                "bootstrap_timeout_ms": int(self.block_s * 1000),
            }
            try:
                self._producer = KafkaProducer(
                    **config,
                    max_block_ms=int(self.block_s * 1000),
                    # Kafka requires delivery > linger + request timeouts.
                    delivery_timeout_ms=config["request_timeout_ms"] + config["linger_ms"] + 5000,
                    reconnect_backoff_max_ms=2000,  # notice a returning broker quickly
                )
            except RetriableError as exc:
                raise SourceUnavailableError(
                    f"Kafka at {self.settings.bootstrap_servers} is unreachable: {exc}"
                ) from exc
        return self._producer

    def send_pending(self, batch: int = 2000) -> Sent:
        """Send up to ``batch`` outbox events; store what Kafka acknowledged."""
        pending = self.outbox.pending(batch)
        if not pending:
            return Sent([], 0, 0.0)
        from kafka.errors import KafkaError

        started = time.monotonic()
        producer = self._connect()
        futures = []
        try:
            for event in pending:
                futures.append(
                    (
                        event,
                        producer.send(
                            event.topic, key=event.key, value=event.value, headers=event.headers
                        ),
                    )
                )
            producer.flush(timeout=self.block_s * 6)
        except KafkaError as exc:
            self.close()  # a fresh producer (and connection) next time
            log.warning("Kafka send failed, %d events stay in the outbox: %s", len(pending), exc)
        acks = [
            Acknowledged(e.event_id, e.topic, f.value.partition, f.value.offset)
            for e, f in futures
            if f.is_done and f.succeeded()
        ]
        if acks:
            self.outbox.acknowledge(acks)
        return Sent(acks, len(pending) - len(acks), time.monotonic() - started)

    def reconcile(self, topics: Iterable[str], timeout_s: float = 30.0) -> int:
        """Mark outbox events that already reached Kafka as published; return how many."""
        waiting = {e.event_id: e for e in self.outbox.pending(10**9)}
        if not waiting:
            return 0
        found = self._ids_after_watermarks(list(topics), set(waiting), timeout_s)
        acks = [Acknowledged(i, t, p, o) for i, (t, p, o) in found.items()]
        if acks:
            self.outbox.acknowledge(acks)
            log.info("reconciled %d events Kafka already had before the restart", len(acks))
        return len(acks)

    def _ids_after_watermarks(
        self, topics: list[str], wanted: set[str], timeout_s: float
    ) -> dict[str, tuple[str, int, int]]:
        from kafka import KafkaConsumer, TopicPartition
        from kafka.errors import KafkaError

        marks = self.outbox.high_watermarks()
        try:
            consumer = KafkaConsumer(**kafka_python_config(self.settings), enable_auto_commit=False)
        except KafkaError as exc:
            raise SourceUnavailableError(f"cannot reconcile with Kafka: {exc}") from exc
        found: dict[str, tuple[str, int, int]] = {}
        try:
            partitions = [
                TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t) or ()
            ]
            consumer.assign(partitions)
            ends = consumer.end_offsets(partitions)
            for tp in partitions:
                consumer.seek(tp, marks.get((tp.topic, tp.partition), -1) + 1)
            deadline = time.monotonic() + timeout_s
            remaining = {tp for tp in partitions if consumer.position(tp) < ends[tp]}
            while remaining and time.monotonic() < deadline:
                for tp, records in consumer.poll(timeout_ms=500).items():
                    for r in records:
                        event_id = dict(r.headers).get(EVENT_ID_HEADER, b"").decode()
                        if event_id in wanted:
                            found[event_id] = (tp.topic, tp.partition, r.offset)
                    if consumer.position(tp) >= ends[tp]:
                        remaining.discard(tp)
            if remaining:
                raise SourceUnavailableError(
                    f"reconciliation did not reach the end of {sorted(map(str, remaining))}"
                )
        finally:
            consumer.close()
        return found
