"""Send the outbox to Kafka and record what Kafka acknowledged.

Sending is pipelined: ``submit`` hands a batch of events (already durable in the outbox) to an
idempotent ``acks=all`` producer and returns at once, so the next batch is read and encoded
while Kafka writes this one; ``collect`` gathers acknowledgements in submission order. The
producer is confluent-kafka's (librdkafka): batching, compression, the network and retries
run on librdkafka's own C threads without Python's GIL, so they do not slow the thread that
encodes (aiokafka's event loop needed ~10 us of GIL-holding Python a record for the same).

After a crash, or after a send this process saw fail, events still in the outbox may or may
not have reached Kafka. ``reconcile`` reads each partition from the last acknowledged offset
to its end, collects the event ids found there (from the ``ce_id`` header, without decoding a
value), and marks those as published, so nothing is sent twice. For that to be sound, no
acknowledgement is stored past a failed send (the stored high watermark never jumps over an
event whose fate is unknown).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from operator import attrgetter
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
# While waiting for acknowledgements, librdkafka's delivery reports are served this often.
_POLL_S = 0.05


@dataclass(frozen=True)
class Sent:
    acknowledged: list[Acknowledged]
    failed: int
    seconds: float


def producer_config(settings: HubSettings) -> dict[str, Any]:
    """A durable librdkafka producer: idempotent, acks=all; same connection settings as the rest.

    Every name is librdkafka's (CONFIGURATION.md of the pinned version).
    """
    kafka = settings.kafka
    config: dict[str, Any] = {
        "bootstrap.servers": settings.bootstrap_servers,
        "security.protocol": kafka.security_protocol,
        "enable.idempotence": True,  # no duplicate and no reordering on retry
        # A send that fails for good stops the producer (a fatal error) rather than letting
        # later events of the partition through past the gap: so a batch whose last event is
        # acknowledged has all of its events in Kafka (``Publisher.submit`` relies on it).
        # librdkafka calls the property experimental and logs a warning when it is set.
        "enable.gapless.guarantee": True,
        "acks": "all",
        "max.in.flight.requests.per.connection": 5,  # the most idempotence keeps in order
        # Never give a message up: it is retried until Kafka takes it (after an outage too),
        # exactly once; the outbox holds it meanwhile. 0 is librdkafka's "no limit".
        "message.timeout.ms": 0,
        "request.timeout.ms": int(kafka.request_timeout_s * 1000),
        "retry.backoff.ms": 200,
        # Whole record batches: fewer, larger produce requests cost the broker less per record.
        "linger.ms": 5,
        "batch.size": MAX_BATCH_BYTES,
        # The Java client's partitioner (murmur2 of the key), as kafka-python and aiokafka.
        "partitioner": "murmur2_random",
        "logger": _librdkafka_log(),
        # A broker closing an idle connection is routine for a watching connector, not an error.
        "log.connection.close": False,
    }
    if kafka.sasl_mechanism:
        config["sasl.mechanism"] = kafka.sasl_mechanism
        config["sasl.username"] = kafka.sasl_username
        config["sasl.password"] = (
            kafka.sasl_password.get_secret_value() if kafka.sasl_password else None
        )
    if kafka.security_protocol in ("SSL", "SASL_SSL"):
        # Without a CA file, the system's trusted CAs (as kafka-python): librdkafka looks for
        # them in the usual places ("probe"), since its wheel bundles its own OpenSSL.
        config["ssl.ca.location"] = str(kafka.ssl_cafile) if kafka.ssl_cafile else "probe"
    return config


class _KnownWarning(logging.Filter):
    """Drops librdkafka's one warning that the gapless guarantee, set on purpose, is
    experimental: logged at every producer's start, it would read as a fault."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return not (text.startswith("CONFWARN") and "enable.gapless.guarantee" in text)


def _librdkafka_log() -> logging.Logger:
    logger = logging.getLogger("hub.connectors.librdkafka")
    if not any(isinstance(f, _KnownWarning) for f in logger.filters):
        logger.addFilter(_KnownWarning())
    return logger


class _InFlight:
    """One submitted batch; librdkafka's delivery reports fill in where its events landed.

    Either every event has its own delivery report (``placed``), or, when the whole batch
    goes to one single-partition topic, only its first and last events do (``ends``): see
    ``Publisher.submit``.
    """

    __slots__ = ("ends", "error", "events", "placed", "started", "topic", "waiting")

    def __init__(self, events: list[PendingEvent], topic: str | None = None) -> None:
        self.events = events
        self.topic = topic  # set: only the batch's first and last events are reported
        self.placed: list[tuple[str, int, int] | None] = []
        self.ends: list[int] = [-1, -1]  # offsets of the first and last events
        if topic is None:
            self.placed = [None] * len(events)
            self.waiting = len(events)
        else:
            self.waiting = min(len(events), 2)
        self.error: str | None = None
        self.started = time.monotonic()

    def delivered(self, index: int, error: Any, message: Any) -> None:
        """librdkafka's delivery report of event ``index``, served by ``poll``."""
        self.waiting -= 1
        if error is not None:
            self.error = self.error or str(error)
        else:
            self.placed[index] = (message.topic(), message.partition(), message.offset())

    def delivered_end(self, end: int, error: Any, message: Any) -> None:
        """Report of the batch's first (``end`` 0) or last (1) event; when both are in, the
        batch is whole only if its events fill the offsets between them exactly."""
        self.waiting -= 1
        if error is not None:
            self.error = self.error or str(error)
            return
        self.ends[end] = message.offset()
        if len(self.events) == 1:
            self.ends[1 - end] = message.offset()
        if not self.waiting and self.error is None:
            first, last = self.ends
            if last - first != len(self.events) - 1:
                # Another producer wrote between our events (or, in principle, one of ours is
                # missing): which of ours Kafka has is unknown, so the outbox is reconciled.
                self.error = (
                    f"{len(self.events)} events took offsets {first}..{last} of {self.topic}; "
                    "another producer wrote between them"
                )

    def acknowledged(self) -> list[Acknowledged]:
        if self.topic is not None:
            first, last = self.ends
            n = len(self.events)
            # Acknowledged tuples made by C loops (``_make`` is a Python call per tuple).
            rows = zip(
                map(_event_id, self.events),
                repeat(self.topic, n),
                repeat(0, n),
                range(first, last + 1),
                strict=True,
            )
            return list(map(tuple.__new__, repeat(Acknowledged, n), rows))
        return [
            Acknowledged(e.event_id, *where)
            for e, where in zip(self.events, self.placed, strict=True)
            if where is not None
        ]


_event_id = attrgetter("event_id")
_topic = attrgetter("topic")


def _produce(producer: Any, produce: Any, event: PendingEvent, partition: int, report: Any) -> None:
    """Hand one event to librdkafka; if its queue is full, let it drain a while and retry."""
    args = (event.topic, event.value, event.key, partition)
    try:
        produce(*args, headers=event.headers, on_delivery=report)
    except BufferError:
        producer.poll(1.0)
        produce(*args, headers=event.headers, on_delivery=report)


class Publisher:
    """One idempotent producer for one connector; reconnects after Kafka comes back."""

    def __init__(self, settings: HubSettings, outbox: Outbox, *, block_s: float = 5.0) -> None:
        self.settings = settings
        self.outbox = outbox
        self.block_s = block_s
        self._producer: Any = None
        self._reachable = False  # the producer has answered a metadata request
        self._in_flight: deque[_InFlight] = deque()
        self._single: set[str] = set()  # topics of exactly one partition (from metadata)
        self.needs_reconcile = False  # a send failed: its events' fate is unknown

    @property
    def in_flight(self) -> int:
        """Events submitted whose outcome has not been collected yet."""
        return sum(len(f.events) for f in self._in_flight)

    def close(self) -> None:
        """Store what has been acknowledged, then stop the producer.

        Sends still unfinished after a short wait are abandoned with the producer: their
        events stay in the outbox and the next run reconciles them with Kafka.
        """
        try:
            done = self.collect(keep_at_most=0, timeout_s=self.block_s)
            if done.acknowledged:
                self.outbox.acknowledge(done.acknowledged)
        finally:
            self._stop_producer()

    def _stop_producer(self) -> None:
        """Drop the producer and whatever it still holds (those events stay in the outbox)."""
        producer, self._producer, self._reachable = self._producer, None, False
        self._in_flight.clear()
        if producer is not None:
            producer.purge(in_queue=True, in_flight=True, blocking=True)
            producer.flush(0)  # serve the purged messages' reports: nothing waits on them

    def warm_up(self) -> None:
        """Create the producer, so librdkafka connects (bootstrap, metadata, producer id) in
        the background while the first batch is read; errors surface at the first send."""
        if self._producer is None:
            from confluent_kafka import Producer

            self._producer = Producer(producer_config(self.settings))

    def _connect(self) -> Any:
        """The producer, once it has reached Kafka; SourceUnavailableError if it cannot."""
        self.warm_up()
        if not self._reachable:
            from confluent_kafka import KafkaException

            try:
                cluster = self._producer.list_topics(timeout=self.block_s)
            except KafkaException as exc:
                self._stop_producer()
                raise SourceUnavailableError(
                    f"Kafka at {self.settings.bootstrap_servers} is unreachable: "
                    f"{exc.args[0].str() if exc.args else exc}"
                ) from exc
            self._single = {
                name
                for name, topic in cluster.topics.items()
                if topic.error is None and list(topic.partitions) == [0]
            }
            self._reachable = True
        return self._producer

    def submit(self, events: Sequence[PendingEvent]) -> None:
        """Start sending events that are already in the outbox; do not wait for Kafka.

        A batch for one topic of one partition (every source topic) is reported by the
        delivery reports of its first and last events only: the idempotent producer keeps a
        partition's events in order, and with the gapless guarantee a failed event stops
        every later one, so an acknowledged last event means all of them are in Kafka, and
        offsets first..last filled exactly mean they are at those offsets. One Python call a
        batch rather than one an event (each took the GIL from the encoding thread). Other
        batches have every event reported.
        """
        from confluent_kafka import KafkaException

        if not events:
            return
        producer = self._connect()
        topic = events[0].topic
        whole = topic in self._single and set(map(_topic, events)) == {topic}
        batch = _InFlight(list(events), topic if whole else None)
        self._in_flight.append(batch)
        try:
            produce = producer.produce
            if not whole:
                for index, event in enumerate(batch.events):
                    _produce(producer, produce, event, -1, partial(batch.delivered, index))
                producer.poll(0)
                return
            # -1 is RD_KAFKA_PARTITION_UA (the partitioner's choice); here the one partition, 0.
            _produce(producer, produce, batch.events[0], 0, partial(batch.delivered_end, 0))
            for event in batch.events[1:-1]:  # no report: the hot loop, one C call an event
                try:
                    produce(topic, event.value, event.key, 0, headers=event.headers)
                except BufferError:
                    _produce(producer, produce, event, 0, None)
            if len(batch.events) > 1:
                _produce(producer, produce, batch.events[-1], 0, partial(batch.delivered_end, 1))
            producer.poll(0)
        except KafkaException as exc:
            error = exc.args[0] if exc.args else None
            if error is None or not error.fatal():
                raise
            # The producer stopped for good (the gapless guarantee, or another idempotence
            # failure): what it held may or may not be in Kafka, so the outbox is reconciled
            # before anything is re-sent, by a new producer.
            self.needs_reconcile = True
            self._stop_producer()
            raise SourceUnavailableError(
                f"the Kafka producer stopped: {error.str()}; "
                f"{self.outbox.pending_count()} events wait in the outbox"
            ) from exc

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
        if self._producer is not None and self._in_flight:
            self._producer.poll(0)
        while self._in_flight:
            head = self._in_flight[0]
            if head.waiting:
                if waiting <= keep_at_most:
                    break
                while head.waiting and (left := deadline - time.monotonic()) > 0:
                    self._producer.poll(min(_POLL_S, left))
                if head.waiting:
                    break
            self._in_flight.popleft()
            waiting -= len(head.events)
            if head.error is not None:
                log.warning(
                    "Kafka send failed, %d events stay in the outbox: %s",
                    len(head.events),
                    head.error,
                )
                self.needs_reconcile = True
            if self.needs_reconcile:
                failed += len(head.events)
            else:
                acks += head.acknowledged()
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
