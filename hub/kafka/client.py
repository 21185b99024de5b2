"""Client settings for kafka-python and aiokafka, derived from the one settings object.

Producers always use ``acks=all`` with idempotence: a retry must not duplicate a write, and a
write is acknowledged only once every in-sync replica has it.
"""

from __future__ import annotations

from typing import Any

from hub.config import HubSettings


def kafka_python_config(settings: HubSettings) -> dict[str, Any]:
    """Connection and security settings shared by every kafka-python client."""
    kafka = settings.kafka
    config: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers.split(","),
        "security_protocol": kafka.security_protocol,
        "request_timeout_ms": int(kafka.request_timeout_s * 1000),
        # kafka-python 3 waits this long for a first broker before it gives up.
        "bootstrap_timeout_ms": int(kafka.request_timeout_s * 1000),
    }
    if kafka.sasl_mechanism:
        config["sasl_mechanism"] = kafka.sasl_mechanism
        config["sasl_plain_username"] = kafka.sasl_username
        config["sasl_plain_password"] = (
            kafka.sasl_password.get_secret_value() if kafka.sasl_password else None
        )
    if kafka.ssl_cafile:
        config["ssl_cafile"] = str(kafka.ssl_cafile)
    return config


def producer_config(settings: HubSettings) -> dict[str, Any]:
    """A durable producer: acks=all, idempotent, bounded in-flight requests."""
    return {
        **kafka_python_config(settings),
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
        "retries": 2_147_483_647,
    }
