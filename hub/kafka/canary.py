"""A produce-and-consume round trip through the real broker, with a consumer group.

Proves the path every hub process depends on: an idempotent ``acks=all`` write, a consumer
group that reads it back, and committed offsets. Used by the demo and by operators.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from hub.config import HubSettings
from hub.errors import SourceUnavailableError
from hub.kafka.client import kafka_python_config, producer_config
from hub.kafka.topics import topic_name


@dataclass(frozen=True)
class RoundTrip:
    topic: str
    produced: int
    consumed: int
    committed: bool
    seconds: float
    p50_ms: float
    p99_ms: float


def round_trip(settings: HubSettings, count: int = 1000, timeout_s: float = 60.0) -> RoundTrip:
    """Send ``count`` tagged messages and read them back through a fresh consumer group."""
    from kafka import KafkaConsumer, TopicPartition

    topic = topic_name("canary", settings.topic_prefix)
    run = uuid.uuid4().hex[:12]
    started = time.monotonic()
    consumer = KafkaConsumer(
        **kafka_python_config(settings),
        group_id=f"canary-{run}",
        auto_offset_reset="latest",
        enable_auto_commit=False,
    )
    latencies: list[float] = []
    try:
        consumer.subscribe([topic])
        deadline = time.monotonic() + timeout_s
        while not consumer.assignment() and time.monotonic() < deadline:
            consumer.poll(timeout_ms=200)  # join the group first: latency is the data path
        for partition in consumer.assignment():
            consumer.position(partition)  # resolve "latest" now, before anything is sent
        _produce(settings, topic, run, count, timeout_s)
        while len(latencies) < count and time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    tag, _, sent = record.value.decode().split(":")
                    if tag == run:
                        latencies.append((time.time() - float(sent)) * 1000)
        consumer.commit()
        committed = (consumer.committed(TopicPartition(topic, 0)) or 0) > 0
    finally:
        consumer.close()
    if len(latencies) < count:
        raise SourceUnavailableError(
            f"canary round trip on {topic} read back {len(latencies)} of {count} "
            f"messages within {timeout_s:.0f}s"
        )
    latencies.sort()
    return RoundTrip(
        topic,
        count,
        len(latencies),
        committed,
        time.monotonic() - started,
        latencies[len(latencies) // 2],
        latencies[min(len(latencies) - 1, int(count * 0.99))],
    )


def _produce(settings: HubSettings, topic: str, run: str, count: int, timeout_s: float) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(**producer_config(settings))
    try:
        for i in range(count):
            producer.send(topic, key=run.encode(), value=f"{run}:{i}:{time.time()}".encode())
        producer.flush(timeout=timeout_s)
    finally:
        producer.close()
