"""The project's own broker: lifecycle, durability across a clean restart, readiness errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer

from hub.config import load_settings
from hub.errors import ConfigurationError
from hub.kafka.admin import apply_catalogue
from hub.kafka.client import kafka_python_config, producer_config
from hub.kafka.local import LocalBroker
from hub.kafka.topics import topic_name
from tests.integration.conftest import broker_settings


def test_up_is_idempotent_and_status_reports_version(broker: LocalBroker) -> None:
    before = broker.state()
    again = broker.up()
    assert before.running
    assert again.pid == before.pid
    assert again.kafka_version == "4.1.1"


def test_acknowledged_writes_survive_a_clean_restart(tmp_path: Path) -> None:
    local = LocalBroker(broker_settings(tmp_path / "kafka"))
    settings = load_settings(broker=local.settings)
    local.up(tie_to_parent=True, echo=False)
    try:
        apply_catalogue(settings)
        topic = topic_name("canary")
        producer = KafkaProducer(**producer_config(settings))
        futures = [producer.send(topic, value=f"m{i}".encode()) for i in range(500)]
        producer.flush()
        producer.close()
        assert all(f.get(timeout=10).offset >= 0 for f in futures)  # acknowledged

        assert local.down() is True
        assert not local.state().running
        local.up(tie_to_parent=True, echo=False)

        consumer = KafkaConsumer(
            topic,
            **kafka_python_config(settings),
            auto_offset_reset="earliest",
            consumer_timeout_ms=10_000,
        )
        values = [m.value for m in consumer]
        consumer.close()
        assert values == [f"m{i}".encode() for i in range(500)]
    finally:
        local.down()


def test_up_refuses_a_port_held_by_another_broker(broker: LocalBroker, tmp_path: Path) -> None:
    clash = broker_settings(tmp_path / "other").model_copy(update={"port": broker.settings.port})
    with pytest.raises(ConfigurationError, match=f"port {broker.settings.port}"):
        LocalBroker(clash).up(echo=False)


def test_down_when_not_running_says_so(tmp_path: Path) -> None:
    assert LocalBroker(broker_settings(tmp_path / "never")).down() is False
