"""Clients' SASL settings against a real broker listening with SASL/PLAIN.

A partner's connector reaches a production cluster with SASL (and TLS); here the project's own
broker opens a SASL_PLAINTEXT listener so the same settings are exercised for real: topics are
applied, a connector publishes, a consumer reads back, and a wrong password fails clearly.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer

from hub.config import HubSettings, load_settings
from hub.connectors.runner import ConnectorRun
from hub.errors import SourceUnavailableError
from hub.kafka.admin import apply_catalogue
from hub.kafka.client import kafka_python_config
from hub.kafka.local import LocalBroker, free_port
from hub.kafka.topics import topic_name
from tests.integration.conftest import Partnership


@pytest.fixture(scope="module")
def sasl_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    settings = load_settings(
        broker={
            "port": free_port(),
            "controller_port": free_port(),
            "sasl_port": free_port(),
            "sasl_users": {"police-connector": "correct-horse"},
            "data_dir": tmp_path_factory.mktemp("kafka-sasl"),
            "start_timeout_s": 120,
        }
    ).broker
    local = LocalBroker(settings)
    local.up(tie_to_parent=True, echo=False)
    try:
        yield local
    finally:
        local.down()


def _sasl_settings(broker: LocalBroker, tmp_path: Path, keys: Path, password: str) -> HubSettings:
    return load_settings(
        kafka={
            "bootstrap_servers": f"{broker.settings.host}:{broker.settings.sasl_port}",
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "PLAIN",
            "sasl_username": "police-connector",
            "sasl_password": password,
            "request_timeout_s": 10,
        },
        topic_prefix=f"s{uuid.uuid4().hex[:8]}.",
        state_dir=tmp_path / "state",
        connector={"keys_dir": keys},
    )


def test_a_connector_publishes_over_sasl(
    sasl_broker: LocalBroker, partnership: Partnership, tmp_path: Path
) -> None:
    settings = _sasl_settings(sasl_broker, tmp_path, partnership.keys, "correct-horse")
    assert (sasl_broker.home / "server.properties").stat().st_mode & 0o077 == 0
    apply_catalogue(settings)
    run = ConnectorRun(settings, "prison")
    try:
        run.recover()
        run.run_paths([partnership.export("prison")])
        run.drain(60)
    finally:
        run.close()
    assert run.summary.published > 0
    consumer = KafkaConsumer(
        topic_name("src.prison", settings.topic_prefix),
        **kafka_python_config(settings),
        auto_offset_reset="earliest",
        consumer_timeout_ms=4000,
        enable_auto_commit=False,
    )
    try:
        assert sum(1 for _ in consumer) == run.summary.published
    finally:
        consumer.close()


def test_a_wrong_password_is_a_clear_error(
    sasl_broker: LocalBroker, partnership: Partnership, tmp_path: Path
) -> None:
    settings = _sasl_settings(sasl_broker, tmp_path, partnership.keys, "wrong")
    with pytest.raises(SourceUnavailableError, match="SASL credentials right") as caught:
        apply_catalogue(settings)
    assert "police-connector" in str(caught.value)
    assert "wrong" not in str(caught.value)  # never the password
