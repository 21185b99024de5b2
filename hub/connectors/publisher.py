"""Send the outbox to Kafka and record what Kafka acknowledged.

Sending is pipelined: ``submit`` hands a batch of events (already durable in the outbox) to an
idempotent ``acks=all`` producer and returns at once, so the next batch is read and encoded
while Kafka writes this one; ``collect`` gathers acknowledgements in submission order. The
producer is aiokafka's, on its own event-loop thread, with whole record batches built by its
C record builder (kafka-python's pure-Python builder and per-record futures cost ~60 us a
record, more than everything else a connector does).

After a crash, or after a send this process saw fail, events still in the outbox may or may
not have reached Kafka. ``reconcile`` reads each partition from the last acknowledged offset
to its end, collects the event ids found there (from the ``ce_id`` header, without decoding a
value), and marks those as published, so nothing is sent twice. For that to be sound, no
acknowledgement is stored past a failed send (the stored high watermark never jumps over an
event whose fate is unknown).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

from hub.config import HubSettings
from hub.connectors.outbox import Acknowledged, Outbox, PendingEvent
from hub.errors import SourceUnavailableError
from hub.kafka.client import kafka_python_config

log = logging.getLogger(__name__)

EVENT_ID_HEADER = "ce_id"
# One record batch is one produce request entry; brokers refuse more than message.max.bytes
# (1 MiB by default) in one batch, so stay well under it.
MAX_BATCH_BYTES = 512 * 1024


@dataclass(frozen=True)
class Sent:
    acknowledged: list[Acknowledged]
    failed: int
    seconds: float


@dataclass
class _InFlight:
    events: list[PendingEvent]
    future: Future[list[Acknowledged]]
    started: float


def aiokafka_producer_config(settings: HubSettings) -> dict[str, Any]:
    """A durable aiokafka producer: acks=all, idempotent; same connection settings as the rest."""
    base = kafka_python_config(settings)
    config: dict[str, Any] = {
        "bootstrap_servers": base["bootstrap_servers"],
        "security_protocol": base["security_protocol"],
        "request_timeout_ms": base["request_timeout_ms"],
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
        "max_batch_size": MAX_BATCH_BYTES,
        "retry_backoff_ms": 200,
    }
    for name in ("sasl_mechanism", "sasl_plain_username", "sasl_plain_password"):
        if name in base:
            config[name] = base[name]
    if settings.kafka.security_protocol in ("SSL", "SASL_SSL"):
        from aiokafka.helpers import create_ssl_context

        # aiokafka needs a context; without a CA file, the system's trusted CAs (as kafka-python).
        config["ssl_context"] = create_ssl_context(cafile=base.get("ssl_cafile"))
    return config


class _Loop:
    """An asyncio event loop on a daemon thread, for the producer's network work."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="connector-kafka", daemon=True
        )
        self._thread.start()

    def run(self, coro: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()


class Publisher:
    """One idempotent producer for one connector; reconnects after Kafka comes back."""

    def __init__(self, settings: HubSettings, outbox: Outbox, *, block_s: float = 5.0) -> None:
        self.settings = settings
        self.outbox = outbox
        self.block_s = block_s
        self._loop: _Loop | None = None
        self._producer: Any = None
        self._order: asyncio.Lock | None = None  # batches reach the producer in submit order
        self._starting: Future[tuple[Any, asyncio.Lock]] | None = None
        self._in_flight: deque[_InFlight] = deque()
        self.needs_reconcile = False  # a send failed: its events' fate is unknown

    @property
    def in_flight(self) -> int:
        """Events submitted whose outcome has not been collected yet."""
        return sum(len(f.events) for f in self._in_flight)

    def close(self) -> None:
        """Store what has been acknowledged, then stop the producer and its thread.

        Sends still unfinished after a short wait are abandoned with the loop: their events
        stay in the outbox and the next run reconciles them with Kafka.
        """
        try:
            done = self.collect(keep_at_most=0, timeout_s=self.block_s)
            if done.acknowledged:
                self.outbox.acknowledge(done.acknowledged)
        finally:
            if self._starting is not None:  # warmed up but never used: stop it too
                starting, self._starting = self._starting, None
                try:
                    self._producer, self._order = starting.result(timeout=self.block_s + 5)
                except Exception as exc:  # it never connected; nothing to stop
                    log.debug("Kafka producer never connected: %s", exc)
            self._stop_producer()
            if self._loop is not None:
                self._loop.stop()
                self._loop = None

    def _stop_producer(self) -> None:
        if self._producer is not None and self._loop is not None:
            producer, self._producer, self._order = self._producer, None, None
            try:
                self._loop.run(producer.stop()).result(timeout=self.block_s)
            except Exception as exc:  # a producer that cannot stop cleanly is dropped anyway
                log.debug("Kafka producer did not stop cleanly: %s", exc)

    def warm_up(self) -> None:
        """Start connecting in the background (bootstrap, metadata, producer id take ~0.5 s),
        so the first batch does not wait for it; errors surface at the first send."""
        if self._producer is None and self._starting is None:
            if self._loop is None:
                self._loop = _Loop()
            self._starting = self._loop.run(self._start(aiokafka_producer_config(self.settings)))

    async def _start(self, config: dict[str, Any]) -> tuple[Any, asyncio.Lock]:
        from aiokafka import AIOKafkaProducer

        producer = AIOKafkaProducer(**config)
        try:
            await asyncio.wait_for(producer.start(), self.block_s)
        except BaseException:
            await producer.stop()
            raise
        return producer, asyncio.Lock()

    def _connect(self) -> Any:
        if self._producer is None:
            from aiokafka.errors import KafkaError

            self.warm_up()
            assert self._starting is not None
            starting, self._starting = self._starting, None
            try:
                self._producer, self._order = starting.result(timeout=self.block_s + 5)
            except (KafkaError, OSError, TimeoutError, FutureTimeout) as exc:
                raise SourceUnavailableError(
                    f"Kafka at {self.settings.bootstrap_servers} is unreachable: "
                    f"{exc or type(exc).__name__}"
                ) from exc
        return self._producer

    def submit(self, events: Sequence[PendingEvent]) -> None:
        """Start sending events that are already in the outbox; do not wait for Kafka."""
        if not events:
            return
        producer = self._connect()
        assert self._loop is not None
        assert self._order is not None
        batch = list(events)
        future = self._loop.run(_produce(producer, self._order, batch))
        self._in_flight.append(_InFlight(batch, future, time.monotonic()))

    def collect(self, *, keep_at_most: int = 0, timeout_s: float | None = None) -> Sent:
        """Acknowledgements of finished sends, oldest first (for the caller to store).

        Waits, up to ``timeout_s`` (default: Kafka's request timeout), while more than
        ``keep_at_most`` events are in flight; a send unfinished by then simply stays in
        flight. The idempotent producer retries a send until Kafka takes it (after an outage
        too) without duplicating it, so an unfinished send is never given up and re-sent.
        A send that fails for good sets ``needs_reconcile``, and no later acknowledgement is
        returned (those events stay in the outbox), so the stored high watermark never
        passes an event whose fate is unknown.
        """
        if timeout_s is None:
            timeout_s = self.settings.kafka.request_timeout_s
        deadline = time.monotonic() + timeout_s
        started = self._in_flight[0].started if self._in_flight else time.monotonic()
        acks: list[Acknowledged] = []
        failed = 0
        waiting = self.in_flight
        while self._in_flight:
            head = self._in_flight[0]
            if not head.future.done():
                if waiting <= keep_at_most:
                    break
                wait([head.future], timeout=max(0.0, deadline - time.monotonic()))
                if not head.future.done():
                    break
            self._in_flight.popleft()
            waiting -= len(head.events)
            error = head.future.exception()
            if error is not None:
                log.warning(
                    "Kafka send failed, %d events stay in the outbox: %s",
                    len(head.events),
                    error or type(error).__name__,
                )
                self.needs_reconcile = True
            if self.needs_reconcile:
                failed += len(head.events)
            else:
                acks += head.future.result()
        if self.needs_reconcile and not self._in_flight:
            self._stop_producer()  # nothing of ours is left in it; a fresh one next time
        return Sent(acks, failed, time.monotonic() - started)

    def send_pending(self, batch: int = 2000) -> Sent:
        """Send up to ``batch`` of the oldest outbox events, wait, and store the acks.

        Sends nothing while earlier sends are unfinished (their events are in the outbox
        too); after a failed send, reconciles with Kafka first.
        """
        done = self.collect(keep_at_most=0)
        if done.acknowledged:
            self.outbox.acknowledge(done.acknowledged)
        if self._in_flight:
            return Sent(done.acknowledged, self.in_flight, done.seconds)
        pending = self.outbox.pending(batch)
        if self.needs_reconcile and pending:
            self.reconcile({e.topic for e in pending})
            self.needs_reconcile = False
            pending = self.outbox.pending(batch)
        if not pending:
            return Sent(done.acknowledged, 0, done.seconds)
        self.submit(pending)
        sent = self.collect(keep_at_most=0)
        if sent.acknowledged:
            self.outbox.acknowledge(sent.acknowledged)
        return Sent(
            done.acknowledged + sent.acknowledged, sent.failed + self.in_flight, sent.seconds
        )

    def reconcile(self, topics: Iterable[str], timeout_s: float = 30.0) -> int:
        """Mark outbox events that already reached Kafka as published; return how many."""
        waiting = {e.event_id: e for e in self.outbox.pending(10**9)}
        if not waiting:
            return 0
        found = self._ids_after_watermarks(sorted(set(topics)), set(waiting), timeout_s)
        acks = [Acknowledged(i, t, p, o) for i, (t, p, o) in found.items()]
        if acks:
            self.outbox.acknowledge(acks)
            log.info("reconciled %d events Kafka already had", len(acks))
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


async def _produce(
    producer: Any, order: asyncio.Lock, events: list[PendingEvent]
) -> list[Acknowledged]:
    """Send events as whole record batches per partition; each event's offset from its batch's.

    Batches are handed to the producer under ``order`` (FIFO), so one submission's batches all
    precede the next one's; only the waits for acknowledgements overlap.
    """
    async with order:
        sending = await _enqueue(producer, events)
    acks: list[Acknowledged] = []
    for topic, partition, sent, future in sending:
        meta = await future
        acks += [
            Acknowledged(e.event_id, topic, partition, meta.offset + i) for i, e in enumerate(sent)
        ]
    return acks


async def _enqueue(
    producer: Any, events: list[PendingEvent]
) -> list[tuple[str, int, list[PendingEvent], asyncio.Future[Any]]]:
    from aiokafka.partitioner import DefaultPartitioner

    groups: dict[tuple[str, int], list[PendingEvent]] = {}
    partitions_of: dict[str, list[int]] = {}
    choose = DefaultPartitioner()  # the Java client's murmur2 on the key, as before
    for event in events:
        partitions = partitions_of.get(event.topic)
        if partitions is None:
            partitions = partitions_of[event.topic] = sorted(
                await producer.partitions_for(event.topic)
            )
        partition = partitions[0] if len(partitions) == 1 else choose(event.key, partitions, [])
        groups.setdefault((event.topic, partition), []).append(event)
    sending: list[tuple[str, int, list[PendingEvent], asyncio.Future[Any]]] = []
    for (topic, partition), group in groups.items():
        start = 0
        while start < len(group):
            builder = producer.create_batch()
            count = 0
            for event in group[start:]:
                if (
                    builder.append(
                        key=event.key, value=event.value, timestamp=None, headers=event.headers
                    )
                    is None
                ):
                    break
                count += 1
            if count == 0:
                raise SourceUnavailableError(
                    f"event {group[start].event_id} is larger than a Kafka batch "
                    f"({MAX_BATCH_BYTES} bytes)"
                )
            builder.close()
            future = await producer.send_batch(builder, topic, partition=partition)
            sending.append((topic, partition, group[start : start + count], future))
            start += count
    return sending
