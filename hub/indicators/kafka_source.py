"""Indicator events from ``linked.events`` on Kafka, merges from ``person.merges``.

A read-only snapshot: partitions are assigned (no consumer group, nothing committed) and
read from the beginning up to the end offsets taken at the start. A record that does not
decode is skipped, logged with its coordinates and counted in the result, never silently.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hub.config import HubSettings
from hub.contracts.codec import Codec
from hub.errors import HubError, SourceUnavailableError
from hub.indicators.events import IndicatorEvent, deduplicated, from_linked
from hub.kafka.client import kafka_python_config
from hub.kafka.topics import topic_name

log = logging.getLogger(__name__)


@dataclass
class KafkaSnapshot:
    events: list[IndicatorEvent]
    read: int = 0
    undecodable: list[str] = field(default_factory=list)  # "topic/partition/offset: reason"


def read_linked(settings: HubSettings, timeout_s: float = 120.0) -> KafkaSnapshot:
    """Every linked event on the topic now, de-duplicated, person ids resolved via merges."""
    codec = Codec()
    bad: list[str] = []
    merges: dict[str, str] = {}
    for value in _records(settings, "person.merges", "PersonMerged", timeout_s, codec, bad):
        merges[value["merged_id"]] = value["surviving_id"]
    linked = [
        from_linked(v)
        for v in _records(settings, "linked.events", "LinkedEvent", timeout_s, codec, bad)
    ]
    events = deduplicated(linked, lambda pid: _resolve(merges, pid))
    return KafkaSnapshot(events, len(linked), bad)


def _resolve(merges: dict[str, str], person_id: str) -> str:
    seen = set()
    while person_id in merges and person_id not in seen:
        seen.add(person_id)
        person_id = merges[person_id]
    return person_id


def _records(
    settings: HubSettings, base: str, schema: str, timeout_s: float, codec: Codec, bad: list[str]
) -> Iterator[dict[str, Any]]:
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    topic = topic_name(base, settings.topic_prefix)
    try:
        consumer = KafkaConsumer(**kafka_python_config(settings), enable_auto_commit=False)
    except KafkaError as exc:
        raise SourceUnavailableError(f"cannot reach Kafka for {topic}: {exc}") from exc
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise SourceUnavailableError(f"topic {topic} does not exist (run `hub topics apply`)")
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = {tp: off for tp, off in consumer.end_offsets(assigned).items() if off > 0}
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                raise SourceUnavailableError(f"timed out reading {topic} after {timeout_s:.0f} s")
            for tp, messages in consumer.poll(timeout_ms=500).items():
                for m in messages:
                    if m.offset >= ends.get(tp, 0):
                        continue
                    where = f"{topic}/{m.partition}/{m.offset}"
                    try:
                        found, value = codec.decode(m.value)
                    except HubError as exc:
                        log.warning("skipping undecodable record at %s: %s", where, exc)
                        bad.append(f"{where}: {exc}")
                        continue
                    if found != schema:
                        log.warning("skipping %s record at %s: expected %s", found, where, schema)
                        bad.append(f"{where}: a {found} record, expected {schema}")
                        continue
                    yield value
    finally:
        consumer.close()
