"""`hub status` against the real broker: offsets, lag, last events and backlogs it reports
are the ones the test wrote and committed; an unreachable broker exits non-zero."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from hub.config import HubSettings, child_environment
from hub.kafka.client import kafka_python_config, producer_config
from hub.kafka.local import free_port
from hub.ops.status import DELIVERY_GROUP, WORKER_GROUP, collect

REPO = Path(__file__).resolve().parents[3]
POLICE_AT_MS = (int(time.time()) - 7200) * 1000  # two hours ago, to the millisecond


def _write(settings: HubSettings) -> None:
    p = settings.topic_prefix
    producer = KafkaProducer(**producer_config(settings))
    try:
        for i in range(7):
            producer.send(f"{p}src.police", b"event", timestamp_ms=POLICE_AT_MS - 1000 * (7 - i))
        producer.send(f"{p}src.police", b"latest", timestamp_ms=POLICE_AT_MS)
        for partition, count in ((0, 3), (1, 2), (2, 0)):
            for _ in range(count):
                producer.send(f"{p}alerts.iom", b"alert", partition=partition)
        for _ in range(4):
            producer.send(f"{p}linked.events", b"linked", partition=0)
        producer.flush(timeout=30)
    finally:
        producer.close()


def _commit(settings: HubSettings, group: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = KafkaConsumer(
        group_id=settings.topic_prefix + group,
        enable_auto_commit=False,
        **kafka_python_config(settings),
    )
    try:
        consumer.assign(list(offsets))
        consumer.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})
    finally:
        consumer.close()


def test_status_reports_what_the_broker_holds(topics: HubSettings) -> None:
    p = topics.topic_prefix
    _write(topics)
    _commit(topics, WORKER_GROUP, {TopicPartition(f"{p}src.police", 0): 5})
    _commit(topics, DELIVERY_GROUP, {TopicPartition(f"{p}alerts.iom", 0): 3})

    found = collect(topics, timeout_s=30)

    assert found.broker.version.startswith("4.")
    assert found.broker.brokers == 1
    assert found.broker.cluster_id
    lags = {s.stage: s for s in found.lags}
    assert (lags["link"].end_offset, lags["link"].committed, lags["link"].lag) == (8, 5, 3)
    assert lags["link"].group == p + WORKER_GROUP
    # The worker group has committed on src.police only: linked.events counts from its start.
    assert (lags["rules"].end_offset, lags["rules"].lag) == (4, 4)
    assert lags["rules"].never_committed
    assert (lags["deliver"].end_offset, lags["deliver"].lag) == (5, 2)
    partners = {x.partner: x for x in found.partners}
    assert partners["police"].events == 8
    last = partners["police"].last_event
    assert last is not None
    assert int(last.timestamp() * 1000) == POLICE_AT_MS
    assert partners["ed"].last_event is None
    panels = {x.panel: x for x in found.panels}
    assert (panels["iom"].alerts, panels["iom"].undelivered) == (5, 2)
    assert not panels["iom"].never_committed
    assert (panels["engage"].alerts, panels["engage"].undelivered) == (0, 0)
    assert not any(t.missing for t in found.topics)
    by_name = {t.name: t for t in found.topics}
    assert by_name[f"{p}alerts.iom"].partitions == 3
    assert by_name[f"{p}alerts.iom"].messages == 5


def _hub_status(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub.cli.main", "status", "--timeout", "5"],
        cwd=REPO,
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_hub_status_prints_the_tables(topics: HubSettings) -> None:
    _write(topics)
    done = _hub_status(child_environment(topics))
    assert done.returncode == 0, done.stdout + done.stderr
    for expected in (
        "reachable",
        "Consumer lag per stage",
        topics.topic_prefix + WORKER_GROUP,
        "police",
        "iom",
        "5 (no delivery yet)",
        f"{topics.topic_prefix}alerts.iom",
    ):
        assert expected in done.stdout


def test_hub_status_fails_clearly_when_the_broker_is_unreachable(settings: HubSettings) -> None:
    env = child_environment(settings, HUB_KAFKA__BOOTSTRAP_SERVERS=f"127.0.0.1:{free_port()}")
    started = time.monotonic()
    done = _hub_status(env)
    assert done.returncode == 3
    assert "broker unreachable" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
    assert time.monotonic() - started < 60
