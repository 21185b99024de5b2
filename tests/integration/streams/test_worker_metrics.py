"""A real worker serves /metrics and /healthz over HTTP, and its counters follow a real run."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from hub.config import HubSettings
from hub.connectors.runner import MAPPINGS
from hub.kafka.client import kafka_python_config, producer_config
from hub.kafka.local import free_port
from hub.kafka.topics import topic_name
from tests.integration.conftest import Partnership, publish_partnership
from tests.integration.processes import hub_worker, stop

REPO = Path(__file__).resolve().parents[3]


def _count(settings: HubSettings, topic: str) -> int:
    consumer = KafkaConsumer(
        topic_name(topic, settings.topic_prefix),
        **kafka_python_config(settings),
        auto_offset_reset="earliest",
        consumer_timeout_ms=800,
        enable_auto_commit=False,
    )
    found = sum(1 for _ in consumer)
    consumer.close()
    return found


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (local test URL)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_worker_metrics_follow_a_real_run(
    connector_settings: HubSettings, partnership: Partnership, tmp_path: Path
) -> None:
    settings = connector_settings
    published = publish_partnership(settings, partnership)
    producer = KafkaProducer(**producer_config(settings))
    producer.send(topic_name("src.ed", settings.topic_prefix), value=b"not avro").get(10)
    producer.close()

    port = free_port()
    log = tmp_path / "worker.log"
    worker = hub_worker(
        settings,
        log,
        HUB_WORKER__METRICS_PORT=str(port),
        HUB_WORKER__SWEEP_INTERVAL_S="2",  # the time-based sweep runs during the test too
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(f"worker exited {worker.returncode}:\n{log.read_text()[-3000:]}")
            try:
                status, text = _get(base + "/metrics")
            except OSError:
                time.sleep(0.5)
                continue
            samples = _samples(text)
            linked = _value(samples, "hub_worker_events_total", stage="link", outcome="linked")
            if (
                linked >= published
                and _value(samples, "hub_worker_events_total", stage="rules", outcome="evaluated")
                >= published
            ):
                break
            time.sleep(1)
        else:
            evaluated = _value(
                samples, "hub_worker_events_total", stage="rules", outcome="evaluated"
            )
            pytest.fail(
                f"counters did not reach {published} (linked {linked}, evaluated {evaluated}, "
                f"dead letters {_value(samples, 'hub_dead_letters_total', stage='link')}): "
                f"{log.read_text()[-3000:]}"
            )
        health_deadline = time.monotonic() + 30
        while True:  # the lag timer marks the worker healthy once it has partitions
            health = _get(base + "/healthz")
            if health[0] == 200 or time.monotonic() > health_deadline:
                break
            time.sleep(1)
        missing = _get(base + "/nothing-here")
    finally:
        stop(worker)

    assert status == 200
    assert health == (200, "ok\n")
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    assert "time-based sweep for" in log.read_text()
    assert missing[0] == 404
    assert _value(samples, "hub_worker_up") == 1
    assert ("hub_worker_recovering", ()) in samples  # read from Faust at scrape time
    assert _value(samples, "hub_worker_recovering") == 0  # the tables were recovered
    assert _value(samples, "hub_worker_events_total", stage="link", outcome="linked") == published
    decisions = sum(
        _value(samples, "hub_linkage_decisions_total", method=m) for m in ("exact", "fuzzy", "new")
    )
    assert decisions == published
    assert _value(samples, "hub_linkage_decisions_total", method="fuzzy") > 0
    assert (
        _value(samples, "hub_dead_letters_total", stage="link", reason_kind="SerializationError")
        == 1
    )
    assert _value(samples, "hub_worker_events_total", stage="link", outcome="dead_lettered") == 1
    flags = sum(v for (name, _), v in samples.items() if name == "hub_flags_raised_total")
    alerts = sum(v for (name, _), v in samples.items() if name == "hub_alerts_routed_total")
    assert flags == _count(settings, "flags") > 0
    assert alerts > 0
    assert _value(samples, "hub_stage_latency_seconds_count", stage="link") == published
    assert _value(samples, "hub_stage_latency_seconds_count", stage="rules") >= published
    partners = {
        dict(labels)["partner"]
        for (name, labels), v in samples.items()
        if name == "hub_partner_last_event_timestamp_seconds" and v > 1e9
    }
    assert partners == set(MAPPINGS)
    assert ("hub_consumer_lag_messages", (("stage", "link"),)) in samples
