"""Build the hub's Faust app in one place, from the settings object.

The choices here are the ones design.md's pitfalls call for: at-least-once processing (never
Faust's ``exactly_once``), our idempotent producer transport, explicit names everywhere, and
topics declared by the catalogue rather than by Faust (only Faust's own changelog topics are
created by Faust). Tables are RocksDB with bounded, shared memory (hub.streams.rocks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faust

from hub.config import HubSettings
from hub.streams import rocks

TRANSPORT_SCHEME = "hubkafka"


def broker_url(settings: HubSettings) -> str:
    """Faust's URL for the configured cluster, on the idempotent transport."""
    hosts = settings.bootstrap_servers.split(",")
    return ";".join(f"{TRANSPORT_SCHEME}://{host}" for host in hosts)


def create_app(
    settings: HubSettings, app_id: str, *, datadir: Path | None = None, **overrides: Any
) -> faust.App:
    """A Faust app for one stream stage; ``overrides`` are for tests and the proof app."""
    kafka = settings.kafka
    datadir = datadir or settings.state_dir / "faust" / app_id
    datadir.mkdir(parents=True, exist_ok=True)  # Faust makes only the last level
    options: dict[str, Any] = {
        "broker": broker_url(settings),
        "store": rocks.register(),
        "datadir": str(datadir),
        "processing_guarantee": "at_least_once",
        "producer_acks": -1,
        "topic_replication_factor": kafka.replication_factor,
        "topic_allow_declare": True,
        "topic_disable_leader": False,
        "consumer_auto_offset_reset": "earliest",
        "table_standby_replicas": 0 if kafka.replication_factor == 1 else 1,
        "web_enabled": False,
        "autodiscover": False,
    }
    credentials = _credentials(settings)
    if credentials is not None:
        options["broker_credentials"] = credentials
    options.update(overrides)
    app = faust.App(settings.topic_prefix + app_id, **options)
    app.hub_rocksdb = rocks.RocksDBResources(settings.worker.rocksdb)  # type: ignore[attr-defined]
    return app


def _credentials(settings: HubSettings) -> Any:
    kafka = settings.kafka
    if not kafka.security_protocol.startswith("SASL"):
        if kafka.security_protocol == "SSL":
            import ssl

            return faust.SSLCredentials(
                ssl.create_default_context(
                    cafile=str(kafka.ssl_cafile) if kafka.ssl_cafile else None
                )
            )
        return None
    assert kafka.sasl_password is not None  # enforced by KafkaSettings
    return faust.SASLCredentials(
        username=kafka.sasl_username,
        password=kafka.sasl_password.get_secret_value(),
        mechanism=kafka.sasl_mechanism,
    )
