"""Headers built once per schema equal CloudEvents built per record; partitions match Kafka's."""

from __future__ import annotations

from datetime import UTC, datetime

from kafka.partitioner import murmur2

from hub.contracts.envelope import CloudEvent, event_type
from hub.contracts.registry import load_registry
from hub.streams.outputs import SOURCE, HeaderFactory, header_time
from hub.streams.worker import person_partition


def test_header_factory_matches_cloud_event_headers() -> None:
    registry = load_registry()
    now = datetime(2026, 3, 4, 5, 6, 7, 891000, tzinfo=UTC)
    spec = registry.get("PanelAlert")
    expected = CloudEvent(
        "a-1", SOURCE, event_type("PanelAlert", spec.version), now, spec.fingerprint.hex()
    ).headers()
    factory = HeaderFactory(registry)
    assert factory("PanelAlert", "a-1", header_time(now)) == expected
    assert factory("PanelAlert", "a-2", header_time(now))[1] == ("ce_id", b"a-2")
    assert CloudEvent.from_headers(factory("PanelAlert", "a-3", header_time(now))).id == "a-3"


def test_person_partition_is_the_java_client_default_partitioner() -> None:
    """kafka-python's murmur2 is an independent implementation of Kafka's Java partitioner."""
    found = set()
    for n in range(200):
        key = f"p-{n:016x}".encode()
        found.add(person_partition(key.decode(), 6))
        assert person_partition(key.decode(), 6) == (murmur2(key) & 0x7FFFFFFF) % 6
    assert found == set(range(6))
