"""Faust on this broker: a real worker, a RocksDB table, recovery from its changelog.

This is the evidence the stream layer stands on: stop the worker, delete its local RocksDB
state, start it again, and the counts carry on from where they were.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from hub.config import HubSettings, child_environment
from hub.kafka.admin import admin_client, list_topics
from hub.kafka.client import kafka_python_config, producer_config
from hub.streams.app import create_app
from tests.integration.processes import faust_worker

REPO = Path(__file__).resolve().parents[2]


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self.proc = faust_worker("tests.integration.apps.counter", env, log)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            pytest.fail(f"Faust worker ignored SIGTERM for 60s; log:\n{self.log.read_text()}")


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    """Every worker a test starts is killed at teardown, pass or fail."""
    started: list[Worker] = []
    yield started
    for worker in started:
        if worker.proc.poll() is None:
            worker.proc.kill()
            worker.proc.wait(timeout=30)


@pytest.fixture
def proof(settings: HubSettings, tmp_path: Path) -> dict[str, str]:
    names = {
        "PROOF_IN": f"{settings.topic_prefix}proof.in",
        "PROOF_OUT": f"{settings.topic_prefix}proof.out",
    }
    with admin_client(settings) as admin:
        admin.create_topics([NewTopic(n, 1, 1) for n in names.values()])
    return child_environment(settings, **names)


def _send(settings: HubSettings, topic: str, n: int) -> None:
    producer = KafkaProducer(**producer_config(settings))
    for _ in range(n):
        producer.send(topic, key=b"k", value=b"v")
    producer.flush(timeout=30)
    producer.close()


def _read(consumer: KafkaConsumer, n: int, worker: Worker, timeout_s: float = 90) -> list[str]:
    got: list[str] = []
    deadline = time.monotonic() + timeout_s
    while len(got) < n and time.monotonic() < deadline and worker.proc.poll() is None:
        for records in consumer.poll(timeout_ms=500).values():
            got += [r.value.decode() for r in records]
    if len(got) < n:
        pytest.fail(
            f"read {len(got)} of {n} outputs (worker exit code {worker.proc.poll()}); "
            f"worker log:\n{worker.log.read_text()[-4000:]}"
        )
    return got


def test_table_recovers_from_changelog_after_local_state_is_lost(
    settings: HubSettings, proof: dict[str, str], tmp_path: Path, workers: list[Worker]
) -> None:
    consumer = KafkaConsumer(
        proof["PROOF_OUT"],
        **kafka_python_config(settings),
        auto_offset_reset="earliest",
    )
    worker = Worker(proof, tmp_path / "worker1.log")
    workers.append(worker)
    _send(settings, proof["PROOF_IN"], 5)
    first = _read(consumer, 5, worker)
    assert worker.stop() == 0
    store = settings.state_dir / "faust" / "proof-counter"
    assert any(store.rglob("*.sst")) or any(store.rglob("CURRENT")), "no RocksDB files written"
    shutil.rmtree(store)  # local state gone: only the changelog can restore the counts

    worker = Worker(proof, tmp_path / "worker2.log")
    workers.append(worker)
    _send(settings, proof["PROOF_IN"], 3)
    second = _read(consumer, 3, worker)
    assert worker.stop() == 0
    consumer.close()

    assert first == [f"k={i}" for i in range(1, 6)]
    assert second == ["k=6", "k=7", "k=8"]
    changelog = f"{settings.topic_prefix}proof-counter-proof-counts-changelog"
    assert changelog in list_topics(settings)


def test_faust_producer_is_idempotent_with_acks_all(settings: HubSettings) -> None:
    app = create_app(settings, "producer-check")
    extra = app.producer._settings_extra()
    assert extra["enable_idempotence"] is True
    assert extra["acks"] == "all"
    assert app.conf.processing_guarantee.value == "at_least_once"
