"""`hub deliver`: consume every ``alerts.<family>`` topic and deliver each alert.

One kafka-python consumer (manual commits) feeds a pool of delivery threads. An offset is
committed only once every channel of its alert, and of every alert before it in the
partition, has a final outcome: delivered, or dead-lettered to ``dlq.deliver`` with Kafka's
acknowledgement. A crash therefore re-reads; the ledger makes the re-read skip what was done.
The consumer is paused while the pool is full, and keeps polling so it stays in its group.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata
from prometheus_client import CollectorRegistry

from hub.config import HubSettings
from hub.contracts.codec import Codec
from hub.delivery.deliverer import ChannelOutcome, Deliverer, Interrupted, Sender
from hub.delivery.document import alert_document, created_at
from hub.delivery.inbox import AlertSink, InboxSender
from hub.delivery.ledger import Ledger
from hub.delivery.mail import EmailSender
from hub.delivery.metrics import DeliveryMetrics
from hub.delivery.offsets import OffsetTracker
from hub.delivery.webhook import WebhookSender
from hub.errors import ConfigurationError, DeliveryError, HubError, SourceUnavailableError
from hub.kafka.client import kafka_python_config, producer_config
from hub.kafka.topics import PANELS, topic_name
from hub.panels.directory import DEFAULT_DIRECTORY, PanelDirectory, load_directory
from hub.routing.config import family_of
from hub.streams.deadletter import DeadLetter, describe

log = logging.getLogger(__name__)

STALL_S = 60.0
"""/healthz turns 503 when the consumer loop has not come round, or offsets have not been
committed, for this long."""

# The loop polls every 200 ms and never waits on a delivery, so the group can be told to give
# up on a silent member quickly. kafka-python's defaults (45 s session, 300 s poll interval)
# let one orphaned member, or a member that died without leaving, hold every rebalance of the
# group, and with it every offset commit, for up to five minutes.
GROUP_TIMEOUTS = {
    "session_timeout_ms": 10_000,
    "heartbeat_interval_ms": 3_000,
    "max_poll_interval_ms": 60_000,
}

Report = Callable[[dict[str, Any], list[ChannelOutcome]], None]


def directory_of(settings: HubSettings) -> PanelDirectory:
    return load_directory(settings.panels.directory_file or DEFAULT_DIRECTORY)


def alert_topics(settings: HubSettings) -> list[str]:
    return [topic_name(f"alerts.{family}", settings.topic_prefix) for family in PANELS]


def senders_for(settings: HubSettings, sink: AlertSink | None) -> dict[str, Sender]:
    senders: dict[str, Sender] = {
        "webhook": WebhookSender(
            settings.delivery.request_timeout_s,
            ssl_context=ssl.create_default_context(
                cafile=str(cafile) if (cafile := settings.delivery.webhook_cafile) else None
            ),
        ),
        "email": EmailSender(settings.delivery),
    }
    if sink is not None:
        senders["inbox"] = InboxSender(sink)
    return senders


def check_channels(
    directory: PanelDirectory, settings: HubSettings, senders: dict[str, Sender]
) -> None:
    """Refuse to start when an enabled channel kind has nothing to deliver it."""
    disabled = settings.delivery.disabled_channels
    for panel in directory.panels:
        for channel in panel.channels:
            if channel.kind not in disabled and channel.kind not in senders:
                raise ConfigurationError(
                    f"panel {panel.id} has an {channel.kind} channel but no {channel.kind} "
                    f"sender is configured: add {channel.kind!r} to delivery.disabled_channels "
                    "to skip it"
                )


def _log_failed_commit(offsets: Any, response: Any) -> None:
    if isinstance(response, Exception):
        log.warning("offset commit at revocation failed (%s); left to the ledger", response)


def _await_metadata(consumer: KafkaConsumer, topics: list[str], timeout_s: float) -> None:
    """Wait until the broker knows every alert topic's partitions before joining the group.

    A group leader that assigns while a topic's metadata is still missing (just created, or
    its leader moving) gives it no partitions, and kafka-python 3 was seen not to rebalance
    when the metadata arrived: the service then sat with nothing assigned."""
    deadline = time.monotonic() + timeout_s
    missing = list(topics)
    while missing:
        missing = [t for t in missing if not consumer.partitions_for_topic(t)]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise SourceUnavailableError(
                f"Kafka has no partitions for {', '.join(missing)} after {timeout_s:.0f}s: "
                "run `hub topics apply`"
            )
        time.sleep(0.2)


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commits what is done when partitions are revoked; forgets only partitions lost.

    A rebalance that hands this service back the partitions it had (the common case, with one
    delivery instance) keeps their tracking, so alerts still in flight finish and get
    committed; a partition that went elsewhere is forgotten, and its new owner re-reads from
    the committed offset while the ledger skips what was already delivered."""

    def __init__(self, service: DeliveryService) -> None:
        self.service = service
        self.revoked: set[Any] = set()

    def on_partitions_revoked(self, revoked: Any) -> None:
        # This runs on kafka-python's IO thread, where a blocking commit is refused, so the
        # commit is sent without waiting; if it fails, the next commit or the ledger covers it.
        self.service._commit(wait=False)
        self.revoked |= set(revoked)

    def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("delivery assigned %d partitions", len(assigned))
        self.service.tracker.forget(self.revoked - set(assigned))
        self.revoked = set()
        self.service.assigned = bool(assigned)


class DeliveryService:
    def __init__(
        self,
        settings: HubSettings,
        *,
        directory: PanelDirectory | None = None,
        sink: AlertSink | None = None,
        registry: CollectorRegistry | None = None,
        senders: dict[str, Sender] | None = None,
        report: Report | None = None,
    ) -> None:
        self.settings = settings
        self.directory = directory or directory_of(settings)
        self.registry = registry or CollectorRegistry()
        self.metrics = DeliveryMetrics(self.registry)
        self.ledger = Ledger(settings.ledger_file)
        self.stop = threading.Event()
        self.senders = senders or senders_for(settings, sink)
        check_channels(self.directory, settings, self.senders)
        for panel in self.directory.panels:
            for channel in panel.channels:
                if channel.kind == "webhook" and channel.kind not in (
                    settings.delivery.disabled_channels
                ):
                    try:
                        channel.secret()
                    except ConfigurationError as exc:
                        log.warning("%s: its alerts will be dead-lettered (%s)", panel.id, exc)
        self.deliverer = Deliverer(
            settings.delivery,
            self.directory,
            self.ledger,
            self.metrics,
            self.senders,
            stop=self.stop,
        )
        self.report = report
        self.codec = Codec()
        self.tracker: OffsetTracker[TopicPartition] = OffsetTracker()
        self.assigned = False
        self.last_loop = time.monotonic()
        self.failure: BaseException | None = None
        self.commit_failing_since: float | None = None
        self.commit_error = ""
        self.metrics.commits_failing.set_function(self._commits_failing_s)
        self.dlq_topic = topic_name("dlq.deliver", settings.topic_prefix)
        self._consumer: KafkaConsumer | None = None
        self._producer: KafkaProducer | None = None

    # -- health -----------------------------------------------------------------------------

    def health(self) -> str | None:
        if self.failure is not None:
            return f"delivery stopped: {describe(self.failure)[0]}"
        if self.stop.is_set():
            return "delivery is stopping"
        stalled = time.monotonic() - self.last_loop
        if stalled > STALL_S:
            return f"consumer loop has not run for {stalled:.0f}s"
        if not self.assigned:
            return "starting: no alert partitions assigned yet"
        if (failing := self._commits_failing_s()) > STALL_S:
            return f"offset commits have failed for {failing:.0f}s: {self.commit_error}"
        return None

    def _commits_failing_s(self) -> float:
        since = self.commit_failing_since
        return 0.0 if since is None else time.monotonic() - since

    # -- the loop ---------------------------------------------------------------------------

    def run(self, until_caught_up: bool = False) -> None:
        """Deliver until ``stop`` is set (SIGTERM), or, with ``until_caught_up``, until every
        alert on the topics when this started has a final outcome (the demo)."""
        s = self.settings
        try:
            self._producer = KafkaProducer(**producer_config(s))
            self._consumer = KafkaConsumer(
                **kafka_python_config(s),
                group_id=s.topic_prefix + s.delivery.group_id,
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=max(s.delivery.concurrency * 4, 50),
                **GROUP_TIMEOUTS,
            )
        except KafkaError as exc:
            raise SourceUnavailableError(f"Kafka at {s.bootstrap_servers}: {exc}") from exc
        consumer = self._consumer
        _await_metadata(consumer, alert_topics(s), s.kafka.request_timeout_s)
        consumer.subscribe(alert_topics(s), listener=_Rebalance(self))
        limit = s.delivery.concurrency * 4
        pool = ThreadPoolExecutor(s.delivery.concurrency, thread_name_prefix="deliver")
        last_commit = 0.0
        try:
            while not self.stop.is_set():
                self.last_loop = time.monotonic()
                if self.failure is not None:
                    break
                if self.tracker.in_flight() >= limit:
                    consumer.pause(*consumer.assignment())
                elif consumer.paused():
                    consumer.resume(*consumer.paused())
                batch = consumer.poll(timeout_ms=200)
                for partition, records in batch.items():
                    for record in records:
                        generation = self.tracker.add(partition, record.offset)
                        future = pool.submit(self._handle, record)
                        future.add_done_callback(
                            self._finisher(partition, record.offset, generation)
                        )
                if time.monotonic() - last_commit >= 0.5:
                    self._commit()
                    last_commit = time.monotonic()
                if until_caught_up and not batch and self._caught_up():
                    break
        finally:
            self.stop.set()  # wakes retries sleeping in the pool; they stay pending
            pool.shutdown(wait=True, cancel_futures=True)
            self._commit()
            consumer.close(autocommit=False)
            self._producer.close(timeout=10)
            self.ledger.close()
        if self.failure is not None:
            raise DeliveryError(
                f"delivery stopped, nothing after the failed alert committed: "
                f"{describe(self.failure)[0]}"
            ) from self.failure

    def _caught_up(self) -> bool:
        consumer = self._consumer
        assert consumer is not None
        assignment = consumer.assignment()
        if not self.assigned or not assignment or self.tracker.in_flight():
            return False
        ends = consumer.end_offsets(list(assignment))
        return all(consumer.position(tp) >= ends[tp] for tp in assignment)

    def _finisher(
        self, partition: TopicPartition, offset: int, generation: int
    ) -> Callable[[Future[None]], None]:
        def finished(future: Future[None]) -> None:
            if future.cancelled():  # queued at shutdown: stays uncommitted, read again
                return
            exc = future.exception()
            if exc is None:
                self.tracker.done(partition, offset, generation)
            elif not isinstance(exc, Interrupted) and self.failure is None:
                log.error(
                    "delivery of %s[%d]@%d failed: %s",
                    partition.topic,
                    partition.partition,
                    offset,
                    exc,
                )
                self.failure = exc  # the loop stops; the offset stays uncommitted

        return finished

    def _commit(self, *, wait: bool = True) -> None:
        consumer = self._consumer
        offsets = self.tracker.committable()
        if consumer is None or not offsets:
            if wait:  # nothing left to commit (say, the partitions went elsewhere): no failure
                self.commit_failing_since = None
            return
        commits = {tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()}
        if not wait:
            consumer.commit_async(commits, callback=_log_failed_commit)
            return
        try:
            consumer.commit(commits)
        except (
            KafkaError
        ) as exc:  # a rebalance in between: the new owner re-reads, the ledger skips
            log.warning("offset commit failed (%s); those alerts may be read again", exc)
            if self.commit_failing_since is None:
                self.commit_failing_since = time.monotonic()
            self.commit_error = str(exc)
            return
        self.commit_failing_since = None
        self.tracker.committed(offsets)

    # -- one alert --------------------------------------------------------------------------

    def _handle(self, record: Any) -> None:
        def dead_letter(reason: str) -> None:
            self._dead_letter(record, reason)

        try:
            schema, alert = self.codec.decode(record.value)
            if schema != "PanelAlert":
                raise HubError(f"expected a PanelAlert, got a {schema}")
            document = alert_document(alert)
        except Exception as exc:  # bad input is dead-lettered, never a crash
            reason = (
                f"alert at {record.topic}[{record.partition}]@{record.offset}: {describe(exc)[0]}"
            )
            dead_letter(reason)
            family = record.topic[len(self.settings.topic_prefix) + len("alerts.") :]
            self.metrics.outcome(family_of(family) or "unknown", "none", "dead_lettered")
            return
        in_flight = self.metrics.in_flight
        in_flight.add(
            document["alert_id"],
            document["panel"],
            document["panel_family"],
            created_at(document).timestamp(),
        )
        try:
            outcomes = self.deliverer.deliver(document, dead_letter)
        finally:
            in_flight.done(document["alert_id"], document["panel"])
        if self.report is not None:
            self.report(document, outcomes)

    def _dead_letter(self, record: Any, reason: str) -> None:
        letter = DeadLetter(
            stage="deliver",
            reason=reason[:1000],
            source_topic=record.topic,
            source_partition=record.partition,
            source_offset=record.offset,
        )
        assert self._producer is not None
        headers = [*letter.headers(), ("hub_dlq_failed_at", datetime.now(UTC).isoformat().encode())]
        self._producer.send(
            self.dlq_topic, key=record.key, value=record.value, headers=headers
        ).get(timeout=self.settings.kafka.request_timeout_s)
