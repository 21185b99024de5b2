"""The outbox and publisher against the real broker: acknowledged, reconciled, held, drained."""

from __future__ import annotations

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
