"""Topics as code against the real broker: create, re-apply, drift without data loss."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import ConfigResource, ConfigResourceType

from hub.config import HubSettings
from hub.kafka.admin import admin_client, apply_catalogue, list_topics
from hub.kafka.client import kafka_python_config, producer_config
from hub.kafka.topics import catalogue


def test_apply_creates_every_catalogue_topic_then_is_idempotent(settings: HubSettings) -> None:
    first = apply_catalogue(settings)
    assert {r.status for r in first} == {"created"}
    names = {s.name for s in catalogue(settings.topic_prefix)}
    assert names <= set(list_topics(settings))

    second = apply_catalogue(settings)
    assert {r.status for r in second} == {"ok"}
    assert {r.name for r in second} == names


def test_drift_is_reported_and_data_kept(settings: HubSettings) -> None:
    apply_catalogue(settings)
    victim = f"{settings.topic_prefix}flags"
    producer = KafkaProducer(**producer_config(settings))
    producer.send(victim, value=b"keep me").get(timeout=10)
    producer.close()
    with admin_client(settings) as admin:
        admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, victim, configs={"retention.ms": "1234"})]
        )

        _wait_until_visible(admin, victim, "retention.ms", "1234")

    reports = {r.name: r for r in apply_catalogue(settings)}

    assert reports[victim].status == "drift"
    assert any("retention.ms=1234" in d for d in reports[victim].details)
    assert all(r.status == "ok" for n, r in reports.items() if n != victim)
    consumer = KafkaConsumer(
        victim,
        **kafka_python_config(settings),
        auto_offset_reset="earliest",
        consumer_timeout_ms=5000,
    )
    assert [m.value for m in consumer] == [b"keep me"]
    consumer.close()


def _wait_until_visible(admin: Any, topic: str, key: str, value: str) -> None:
    """KRaft applies a config change asynchronously; wait until the broker reports it."""
    resource = ConfigResource(ConfigResourceType.TOPIC, topic)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = admin.describe_configs([resource])["topic"][topic].get(key, {}).get("value")
        if found == value:
            return
        time.sleep(0.1)
    raise AssertionError(f"{topic} never showed {key}={value}")


def test_partition_counts_match_the_catalogue(topics: HubSettings) -> None:
    with admin_client(topics) as admin:
        described = {
            t["name"]: len(t["partitions"])
            for t in admin.describe_topics([s.name for s in catalogue(topics.topic_prefix)])
        }
    assert described == {s.name: s.partitions for s in catalogue(topics.topic_prefix)}
