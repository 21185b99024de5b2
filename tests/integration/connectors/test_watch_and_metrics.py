"""A watched drop folder takes files as they arrive; /metrics shows what the connector did."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from hub.config import HubSettings, child_environment
from hub.kafka.local import free_port
from tests.integration.conftest import Partnership
from tests.integration.connectors.test_connectors import _published

REPO = Path(__file__).resolve().parents[3]


def _metric(port: int, name: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{")
    )


def test_watch_takes_new_files_and_serves_metrics(
    connector_settings: HubSettings, partnership: Partnership, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    files = sorted(partnership.export("school").glob("*.csv"))[:2]
    shutil.copy(files[0], drop / files[0].name)
    port = free_port()
    env = child_environment(
        connector_settings,
        HUB_CONNECTOR__KEYS_DIR=str(partnership.keys),
        HUB_CONNECTOR__METRICS_PORT=str(port),
    )
    watcher = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hub.cli.main",
            "connector",
            "run",
            "school",
            "-i",
            str(drop),
            "--watch",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        rows = [sum(1 for _ in f.open()) - 1 for f in files]
        deadline = time.monotonic() + 60
        while (
            len(_published(connector_settings, "school")) < rows[0] and time.monotonic() < deadline
        ):
            time.sleep(0.5)
        (drop / (files[1].name + ".tmp")).write_bytes(files[1].read_bytes())  # still being written
        time.sleep(3)
        assert len(_published(connector_settings, "school")) == rows[0]
        (drop / (files[1].name + ".tmp")).rename(drop / files[1].name)  # now complete
        while (
            len(_published(connector_settings, "school")) < sum(rows)
            and time.monotonic() < deadline
        ):
            time.sleep(0.5)
        assert len(_published(connector_settings, "school")) == sum(rows)
        assert _metric(port, "hub_connector_records_published_total") == sum(rows)
        assert _metric(port, "hub_connector_records_read_total") == sum(rows)
        health = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert health.read() == b"ok\n"
    finally:
        watcher.send_signal(signal.SIGTERM)
        output, _ = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, output.decode()[-2000:]


def test_healthz_says_kafka_is_unreachable_while_events_wait(
    partnership: Partnership, tmp_path: Path
) -> None:
    from hub.config import load_settings
    from hub.connectors.runner import ConnectorRun

    settings = load_settings(
        kafka={"bootstrap_servers": f"127.0.0.1:{free_port()}", "request_timeout_s": 3},
        state_dir=tmp_path / "state",
        connector={"keys_dir": partnership.keys},
    )
    run = ConnectorRun(settings, "yjs")
    port = free_port()
    run.serve_metrics(port)
    try:
        run.run_paths([partnership.export("yjs")])
        assert run.drain(timeout_s=0) > 0  # held in the outbox, not lost
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5)
        assert refused.value.code == 503
        assert b"Kafka unreachable" in refused.value.read()
    finally:
        run.close()
