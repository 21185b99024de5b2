"""A watched drop folder takes files as they arrive; /metrics shows what the connector did."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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
    finally:
        watcher.send_signal(signal.SIGTERM)
        output, _ = watcher.communicate(timeout=60)
    assert watcher.returncode == 0, output.decode()[-2000:]
