"""The connector's aiokafka producer gets the same durability and security settings as the rest."""

from __future__ import annotations

import ssl

from hub.config import load_settings
from hub.connectors.publisher import MAX_BATCH_BYTES, aiokafka_producer_config


def test_durable_by_default() -> None:
    config = aiokafka_producer_config(load_settings(kafka={"bootstrap_servers": "k1:9092,k2:9092"}))
    assert config["bootstrap_servers"] == ["k1:9092", "k2:9092"]
    assert (config["acks"], config["enable_idempotence"]) == ("all", True)
    assert config["max_batch_size"] == MAX_BATCH_BYTES < 1_000_000  # under message.max.bytes
    assert config["security_protocol"] == "PLAINTEXT"
    assert "ssl_context" not in config


def test_sasl_over_tls_maps_to_aiokafka_names() -> None:
    settings = load_settings(
        kafka={
            "bootstrap_servers": "k1:9093",
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_username": "police-connector",
            "sasl_password": "not-a-real-password",
        }
    )
    config = aiokafka_producer_config(settings)
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert config["sasl_plain_username"] == "police-connector"
    assert config["sasl_plain_password"] == "not-a-real-password"
    assert isinstance(config["ssl_context"], ssl.SSLContext)
