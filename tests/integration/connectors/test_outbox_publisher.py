"""The outbox and publisher against the real broker: acknowledged, reconciled, held, drained."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer

from hub.config import HubSettings, load_settings
from hub.connectors.outbox import Outbox, PendingEvent
from hub.connectors.publisher import Publisher
from hub.errors import SourceUnavailableError
from hub.kafka.admin import apply_catalogue
from hub.kafka.client import kafka_python_config, producer_config
from hub.kafka.local import LocalBroker
from hub.kafka.topics import topic_name
from tests.integration.conftest import broker_settings


def _events(topic: str, n: int, start: int = 0) -> list[PendingEvent]:
    return [
        PendingEvent(f"ev-{i}", topic, b"k", f"v{i}".encode(), [("ce_id", f"ev-{i}".encode())])
        for i in range(start, start + n)
    ]


def _ids_in(settings: HubSettings, topic: str) -> list[str]:
    consumer = KafkaConsumer(
        topic,
        **kafka_python_config(settings),
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )
    ids = [dict(m.headers)["ce_id"].decode() for m in consumer]
    consumer.close()
    return ids


def test_sent_events_are_acknowledged_and_leave_the_outbox(
    topics: HubSettings, tmp_path: Path
) -> None:
    topic = topic_name("src.police", topics.topic_prefix)
    outbox = Outbox(tmp_path / "outbox.sqlite")
    outbox.enqueue(_events(topic, 100), "digest", "file.csv", 100)
    publisher = Publisher(topics, outbox)
    sent = publisher.send_pending()
    publisher.close()
    assert (len(sent.acknowledged), sent.failed) == (100, 0)
    assert outbox.pending_count() == 0
    assert outbox.known(["ev-0", "ev-99", "ev-100"]) == {"ev-0", "ev-99"}
    assert sorted(_ids_in(topics, topic)) == sorted(f"ev-{i}" for i in range(100))


def test_reconcile_finds_events_sent_before_a_crash_so_none_is_sent_twice(
    topics: HubSettings, tmp_path: Path
) -> None:
    topic = topic_name("src.ed", topics.topic_prefix)
    outbox = Outbox(tmp_path / "outbox.sqlite")
    outbox.enqueue(_events(topic, 10), "d", "f", 10)
    Publisher(topics, outbox).send_pending()
    outbox.enqueue(_events(topic, 20, start=10), "d", "f", 30)
    # The crash: the first 15 of these reached Kafka, but no acknowledgement was stored.
    raw = KafkaProducer(**producer_config(topics))
    for event in _events(topic, 15, start=10):
        raw.send(topic, key=event.key, value=event.value, headers=event.headers)
    raw.flush()
    raw.close()

    publisher = Publisher(topics, Outbox(tmp_path / "outbox.sqlite"))
    assert publisher.reconcile([topic]) == 15
    publisher.send_pending()
    publisher.close()

    ids = _ids_in(topics, topic)
    assert len(ids) == len(set(ids)) == 30


def test_events_wait_in_the_outbox_while_kafka_is_down_then_drain(tmp_path: Path) -> None:
    local = LocalBroker(broker_settings(tmp_path / "kafka"))
    settings = load_settings(broker=local.settings)
    local.up(tie_to_parent=True, echo=False)
    try:
        apply_catalogue(settings)
        topic = topic_name("src.school")
        local.down()
        outbox = Outbox(tmp_path / "outbox.sqlite")
        outbox.enqueue(_events(topic, 50), "d", "f", 50)
        publisher = Publisher(settings, outbox, block_s=2)
        with pytest.raises(SourceUnavailableError, match="unreachable"):
            publisher.send_pending()
        assert outbox.pending_count() == 50

        local.up(tie_to_parent=True, echo=False)
        drained = publisher.send_pending()
        publisher.close()
        assert len(drained.acknowledged) == 50
        assert outbox.pending_count() == 0
        assert sorted(_ids_in(settings, topic)) == sorted(f"ev-{i}" for i in range(50))
    finally:
        local.down()


def test_pipelined_batches_reach_kafka_in_submission_order(
    topics: HubSettings, tmp_path: Path
) -> None:
    topic = topic_name("src.prison", topics.topic_prefix)
    outbox = Outbox(tmp_path / "outbox.sqlite")
    publisher = Publisher(topics, outbox)
    for start in range(0, 3000, 500):  # six batches, several in flight at once
        batch = _events(topic, 500, start=start)
        outbox.enqueue(batch, "d", "f", start + 500)
        publisher.submit(batch)
    assert publisher.in_flight > 0
    done = publisher.collect(keep_at_most=0)
    outbox.acknowledge(done.acknowledged)
    publisher.close()
    assert (len(done.acknowledged), done.failed, publisher.in_flight) == (3000, 0, 0)
    assert [a.offset for a in done.acknowledged] == list(range(3000))
    assert _ids_in(topics, topic) == [f"ev-{i}" for i in range(3000)]
    assert outbox.pending_count() == 0


def test_after_a_failed_send_the_outbox_is_reconciled_before_anything_is_resent(
    topics: HubSettings, tmp_path: Path
) -> None:
    topic = topic_name("src.yjs", topics.topic_prefix)
    outbox = Outbox(tmp_path / "outbox.sqlite")
    outbox.enqueue(_events(topic, 10), "d", "f", 10)
    publisher = Publisher(topics, outbox)
    publisher.send_pending()
    outbox.enqueue(_events(topic, 20, start=10), "d", "f", 30)
    # A send this process saw fail, although Kafka got the first 15 events before it broke.
    raw = KafkaProducer(**producer_config(topics))
    for event in _events(topic, 15, start=10):
        raw.send(topic, key=event.key, value=event.value, headers=event.headers)
    raw.flush()
    raw.close()
    publisher.needs_reconcile = True

    sent = publisher.send_pending()
    publisher.close()
    assert (len(sent.acknowledged), sent.failed, publisher.needs_reconcile) == (5, 0, False)
    assert outbox.pending_count() == 0
    assert _ids_in(topics, topic) == [f"ev-{i}" for i in range(30)]


def test_a_broker_lost_mid_send_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    local = LocalBroker(broker_settings(tmp_path / "kafka"))
    settings = load_settings(broker=local.settings, kafka={"request_timeout_s": 3})
    local.up(tie_to_parent=True, echo=False)
    try:
        apply_catalogue(settings)
        topic = topic_name("src.police")
        outbox = Outbox(tmp_path / "outbox.sqlite")
        publisher = Publisher(settings, outbox, block_s=2)
        first = _events(topic, 200)
        outbox.enqueue(first, "d", "f", 200)
        publisher.submit(first)
        outbox.acknowledge(publisher.collect(keep_at_most=0).acknowledged)
        local.down()
        second = _events(topic, 300, start=200)
        outbox.enqueue(second, "d", "f", 500)
        publisher.submit(second)  # the producer is connected; the broker is gone
        waited = publisher.collect(keep_at_most=0)
        assert (waited.acknowledged, waited.failed, publisher.in_flight) == ([], 0, 300)
        held = publisher.send_pending()  # nothing is re-sent while the send is unfinished
        assert (held.acknowledged, held.failed, outbox.pending_count()) == ([], 300, 300)

        local.up(tie_to_parent=True, echo=False)
        acked: list[str] = []
        deadline = time.monotonic() + 60
        while outbox.pending_count() and time.monotonic() < deadline:
            acked += [a.event_id for a in publisher.send_pending().acknowledged]
        publisher.close()
        assert acked == [e.event_id for e in second]  # the producer's own retry, once
        assert outbox.pending_count() == 0
        assert _ids_in(settings, topic) == [f"ev-{i}" for i in range(500)]
    finally:
        local.down()
