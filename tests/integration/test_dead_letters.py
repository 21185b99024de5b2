"""A poison message goes to the dead-letter topic with its reason, and the stream goes on."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from hub.config import HubSettings, child_environment
from hub.kafka.admin import admin_client
from hub.kafka.client import kafka_python_config, producer_config
from hub.streams.deadletter import DeadLetter
from tests.integration.processes import faust_worker

REPO = Path(__file__).resolve().parents[2]


def _drain(settings: HubSettings, topic: str, n: int, timeout_s: float = 90) -> list[object]:
    consumer = KafkaConsumer(topic, **kafka_python_config(settings), auto_offset_reset="earliest")
    got: list[object] = []
    deadline = time.monotonic() + timeout_s
    while len(got) < n and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            got += records
    consumer.close()
    return got


def test_poison_messages_are_dead_lettered_and_the_stream_continues(
    settings: HubSettings, tmp_path: Path
) -> None:
    names = {
        "PROOF_IN": f"{settings.topic_prefix}poison.in",
        "PROOF_OUT": f"{settings.topic_prefix}poison.out",
        "PROOF_DLQ": f"{settings.topic_prefix}poison.dlq",
    }
    with admin_client(settings) as admin:
        admin.create_topics([NewTopic(n, 1, 1) for n in names.values()])
    env = child_environment(settings, **names)
    log = tmp_path / "worker.log"
    worker = faust_worker("tests.integration.apps.poison", env, log)
    try:
        producer = KafkaProducer(**producer_config(settings))
        for value in (b'{"n": 1}', b"not json", b'{"m": 5}', b'{"n": 21}'):
            producer.send(names["PROOF_IN"], key=b"k", value=value)
        producer.flush()
        producer.close()

        outputs = _drain(settings, names["PROOF_OUT"], 2)
        letters = _drain(settings, names["PROOF_DLQ"], 2)
        assert worker.poll() is None, log.read_text()[-3000:]
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()

    assert [r.value for r in outputs] == [b"2", b"42"]  # type: ignore[attr-defined]
    dead = [DeadLetter.from_headers(r.headers) for r in letters]  # type: ignore[attr-defined]
    assert [r.value for r in letters] == [b"not json", b'{"m": 5}']  # type: ignore[attr-defined]
    assert [d.source_offset for d in dead] == [1, 2]
    assert dead[0].reason.startswith("JSONDecodeError")
    assert dead[1].reason == "KeyError: 'n'"
    assert {d.stage for d in dead} == {"proof"}
    assert {d.source_topic for d in dead} == {names["PROOF_IN"]}
