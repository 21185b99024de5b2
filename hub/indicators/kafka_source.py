"""Indicator events from ``linked.events`` on Kafka, merges from ``person.merges``.

A read-only snapshot: partitions are assigned (no consumer group, nothing committed) and
read from the beginning up to the end offsets taken at the start. A record that does not
decode is skipped, logged with its coordinates and counted in the result, never silently.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hub.config import HubSettings
from hub.contracts.codec import Codec
from hub.errors import HubError
from hub.indicators.events import IndicatorEvent, deduplicated, from_linked
from hub.kafka.snapshot import read_to_end

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
    for m in read_to_end(settings, base, timeout_s):
        where = f"{m.topic}/{m.partition}/{m.offset}"
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
