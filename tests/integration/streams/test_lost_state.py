"""A worker that lost its disk rebuilds its tables from their changelogs.

Faust keeps each table in RocksDB on the worker's disk and in a changelog topic; a worker that
starts without its RocksDB (a new machine, a lost disk) reads the changelogs back. The worker
writes table values itself (hub.streams.state), so this checks that Faust's recovery takes them
as they were written: after the worker's state directory is deleted and every source event is
sent again (a partner re-sending an export), each event keeps its person and no alert is
raised under a new id. Had the tables come back empty, the linker would have given the events
new person ids and the rules would have raised their alerts again under new ids.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from kafka import KafkaProducer

from hub.config import HubSettings
from hub.contracts.codec import Codec
from hub.kafka.client import producer_config
from hub.kafka.snapshot import read_to_end
from hub.kafka.topics import PARTNERS, topic_name
from tests.integration.conftest import Partnership, publish_partnership
from tests.integration.processes import hub_worker, stop
from tests.integration.reading import alert_ids, records, wait_for


def _settled_alert_ids(settings: HubSettings, timeout_s: float = 60) -> set[str]:
    """Alert ids once two reads three seconds apart agree: the rules stage has caught up."""
    deadline = time.monotonic() + timeout_s
    seen = set(alert_ids(settings))
    while time.monotonic() < deadline:
        time.sleep(3)
        now = set(alert_ids(settings))
        if now == seen:
            return now
        seen = now
    raise AssertionError(f"alerts still changing after {timeout_s}s")


def _send_again(settings: HubSettings) -> int:
    """Every source event sent again, bytes and headers unchanged."""
    producer = KafkaProducer(**producer_config(settings))
    sent = 0
    try:
        for partner in PARTNERS:
            topic = topic_name(f"src.{partner}", settings.topic_prefix)
            for m in list(read_to_end(settings, f"src.{partner}", timeout_s=60)):
                producer.send(topic, key=m.key, value=m.value, headers=m.headers)
                sent += 1
        producer.flush(30)
    finally:
        producer.close()
    return sent


def test_worker_rebuilds_lost_tables_from_changelogs(
    connector_settings: HubSettings, partnership: Partnership, tmp_path: Path
) -> None:
    settings = connector_settings
    published = publish_partnership(settings, partnership)
    log = tmp_path / "worker.log"
    worker = hub_worker(settings, log)
    try:
        wait_for(settings, "linked.events", published, worker, log)
        before = _settled_alert_ids(settings)
    finally:
        stop(worker)
    assert len(before) >= 5
    shutil.rmtree(settings.state_dir / "faust")  # every table's RocksDB, and its offsets

    assert _send_again(settings) == published
    worker = hub_worker(settings, log)
    try:
        wait_for(settings, "linked.events", 2 * published, worker, log)
        after = _settled_alert_ids(settings)
    finally:
        stop(worker)

    text = log.read_text()
    assert "Error in recovery" not in text, text[-3000:]
    codec = Codec()
    people: dict[str, set[str]] = {}
    for value, _ in records(settings, "linked.events"):
        event = codec.decode(value)[1]
        people.setdefault(event["event_id"], set()).add(event["person_id"])
    assert len(people) == published
    moved = {event_id: ids for event_id, ids in people.items() if len(ids) > 1}
    assert not moved, f"{len(moved)} events got another person after recovery"
    assert after == before, f"new alert ids after recovery: {sorted(after - before)[:5]}"
