"""Read a topic from its beginning to the end offsets taken at the start: a snapshot.

Partitions are assigned, not subscribed (no consumer group, nothing committed), so reports
and evaluations read what is there without disturbing any stage's progress.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from hub.config import HubSettings
from hub.errors import SourceUnavailableError
from hub.kafka.client import kafka_python_config
from hub.kafka.topics import topic_name


def read_to_end(settings: HubSettings, base: str, timeout_s: float) -> Iterator[Any]:
    """Every record of ``base`` (a catalogue name, prefixed here) up to the end offsets read
    at the start; a missing topic, an unreachable broker or a slow read is a clear error."""
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    topic = topic_name(base, settings.topic_prefix)
    try:
        consumer = KafkaConsumer(**kafka_python_config(settings), enable_auto_commit=False)
    except KafkaError as exc:
        raise SourceUnavailableError(f"cannot reach Kafka to read {topic}: {exc}") from exc
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise SourceUnavailableError(
                f"topic {topic} does not exist (check topic_prefix, or run `hub topics apply`)"
            )
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = {tp: off for tp, off in consumer.end_offsets(assigned).items() if off > 0}
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                raise SourceUnavailableError(f"{topic}: not read to its end in {timeout_s:.0f}s")
            for tp, messages in consumer.poll(timeout_ms=500).items():
                yield from (m for m in messages if m.offset < ends.get(tp, 0))
    finally:
        consumer.close()
