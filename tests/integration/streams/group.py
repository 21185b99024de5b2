"""The worker's consumer group seen from Kafka, and source events fed to it at a pace, for
the rebalance tests: who holds which partition, whether everything is committed, and a
feeder that keeps events arriving while workers join and leave."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kafka import KafkaProducer, TopicPartition

from hub.config import HubSettings
from hub.kafka.admin import admin_client
from hub.kafka.client import producer_config
from hub.kafka.snapshot import read_to_end
from hub.kafka.topics import PARTNERS, catalogue, topic_name

#: Source record: topic base name, key, value, headers.
Source = tuple[str, bytes | None, bytes, list[tuple[str, bytes]]]


def group_id(settings: HubSettings) -> str:
    """The worker's Faust app id, which is its consumer group (hub.streams.worker.build)."""
    return settings.topic_prefix + "hub-worker"


def sources(settings: HubSettings) -> list[Source]:
    """Every source record, the partners interleaved one by one (a fixed order, so every
    feed of them is the same stream)."""
    by_partner = [
        [
            (f"src.{p}", m.key, m.value, list(m.headers))
            for m in read_to_end(settings, f"src.{p}", 60)
        ]
        for p in PARTNERS
    ]
    out: list[Source] = []
    for n in range(max(len(r) for r in by_partner)):
        out += [r[n] for r in by_partner if n < len(r)]
    return out


@contextmanager
def paced(settings: HubSettings, records: list[Source], per_s: float) -> Iterator[None]:
    """Feed ``records`` at about ``per_s`` a second in a thread; on leaving the block, wait
    for the feed to finish (or stop it, if the block raised)."""
    stop = threading.Event()
    fed: list[int] = []

    def run() -> None:
        producer = KafkaProducer(**producer_config(settings))
        try:
            started = time.monotonic()
            for n, (base, key, value, headers) in enumerate(records):
                if stop.is_set():
                    return
                ahead = started + n / per_s - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
                topic = topic_name(base, settings.topic_prefix)
                producer.send(topic, key=key, value=value, headers=headers)
            producer.flush(60)
            fed.append(len(records))
        finally:
            producer.close()

    thread = threading.Thread(target=run, name="feeder", daemon=True)
    thread.start()
    try:
        yield
    except BaseException:
        stop.set()
        thread.join(60)
        raise
    thread.join(len(records) / per_s + 60)
    if not fed:
        raise AssertionError("the feeder did not publish every source record")


def _field(value: Any, name: str) -> Any:
    """A field of what kafka-python decoded: a dict (``to_dict``) or an object."""
    return value.get(name) if isinstance(value, dict) else getattr(value, name, None)


def assignment(settings: HubSettings) -> dict[str, set[tuple[str, int]]]:
    """Each group member's (client host and id) topic partitions, from the broker."""
    # Faust's member metadata is its own, not the consumer protocol's: kafka-python warns
    # about it with the whole group description; the assignments it decodes.
    logging.getLogger("kafka.admin._groups").setLevel(logging.ERROR)
    with admin_client(settings) as admin:
        described = admin.describe_groups([group_id(settings)])
    info = described.get(group_id(settings)) or {}
    out: dict[str, set[tuple[str, int]]] = {}
    for member in info.get("members") or []:
        held: set[tuple[str, int]] = set()
        for topic in _field(member.get("member_assignment"), "assigned_partitions") or []:
            held |= {(_field(topic, "topic"), p) for p in _field(topic, "partitions")}
        out[str(member.get("member_id"))] = held
    return out


def _partitions(settings: HubSettings, bases: list[str]) -> list[TopicPartition]:
    counts = {s.name: s.partitions for s in catalogue()}
    return [
        TopicPartition(topic_name(b, settings.topic_prefix), p)
        for b in bases
        for p in range(counts[b])
    ]


def written(settings: HubSettings, base: str) -> int:
    """Records in the topic (its end offsets summed): progress, duplicates included."""
    from kafka.admin import OffsetSpec

    tps = _partitions(settings, [base])
    with admin_client(settings) as admin:
        ends = admin.list_partition_offsets(dict.fromkeys(tps, OffsetSpec.LATEST))
    return sum(ends[tp].offset for tp in tps)


def uncommitted(settings: HubSettings, bases: list[str]) -> dict[str, int]:
    """Records of these topics past the group's committed offsets, by topic partition
    (none: all committed, and Faust flushed every output before committing)."""
    from kafka.admin import OffsetSpec

    tps = _partitions(settings, bases)
    with admin_client(settings) as admin:
        committed = admin.list_group_offsets({group_id(settings): None}).get(group_id(settings), {})
        ends = admin.list_partition_offsets(dict.fromkeys(tps, OffsetSpec.LATEST))
    behind = {}
    for tp in tps:
        meta = committed.get(tp)
        done = meta.offset if meta is not None and meta.offset >= 0 else 0
        if ends[tp].offset > done:
            behind[f"{tp.topic}[{tp.partition}]"] = ends[tp].offset - done
    return behind
