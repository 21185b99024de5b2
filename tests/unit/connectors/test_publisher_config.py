"""The connector's librdkafka producer: the same durability and security settings as the rest."""

from __future__ import annotations

from hub.config import load_settings
from hub.connectors.publisher import MAX_BATCH_BYTES, producer_config


def test_durable_by_default() -> None:
    config = producer_config(load_settings(kafka={"bootstrap_servers": "k1:9092,k2:9092"}))
    assert config["bootstrap.servers"] == "k1:9092,k2:9092"
    assert (config["acks"], config["enable.idempotence"]) == ("all", True)
    assert config["max.in.flight.requests.per.connection"] <= 5  # idempotence keeps order
    assert config["message.timeout.ms"] == 0  # never given up: the outbox holds it meanwhile
    assert config["batch.size"] == MAX_BATCH_BYTES < 1_000_000  # under message.max.bytes
    assert config["partitioner"] == "murmur2_random"  # the Java client's, as every other client
    assert config["security.protocol"] == "PLAINTEXT"
    assert "ssl.ca.location" not in config
    assert "sasl.mechanism" not in config


def test_sasl_over_tls_maps_to_librdkafka_names() -> None:
    settings = load_settings(
        kafka={
            "bootstrap_servers": "k1:9093",
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-512",
            "sasl_username": "police-connector",
            "sasl_password": "not-a-real-password",
        }
    )
    config = producer_config(settings)
    assert config["security.protocol"] == "SASL_SSL"
    assert config["sasl.mechanism"] == "SCRAM-SHA-512"
    assert config["sasl.username"] == "police-connector"
    assert config["sasl.password"] == "not-a-real-password"
    assert config["ssl.ca.location"] == "probe"  # the system's trusted CAs


def test_a_ca_file_is_passed_on() -> None:
    settings = load_settings(
        kafka={"bootstrap_servers": "k1:9093", "security_protocol": "SSL", "ssl_cafile": "/ca.pem"}
    )
    assert producer_config(settings)["ssl.ca.location"] == "/ca.pem"


def test_librdkafka_accepts_the_configuration() -> None:
    from confluent_kafka import Producer

    settings = load_settings(
        kafka={
            "bootstrap_servers": "127.0.0.1:9",
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "PLAIN",
            "sasl_username": "u",
            "sasl_password": "p",
        }
    )
    producer = Producer(producer_config(settings))  # raises KafkaException on a bad name
    producer.purge()
    producer.flush(0)
