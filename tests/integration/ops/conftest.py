"""Processes the operations tests start: real connectors in --watch mode and a real
Prometheus, each on a free port, each stopped (or killed) when the test ends."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hub.config import HubSettings, child_environment
from hub.kafka.local import free_port
from hub.ops.promconfig import local_config
from tests.integration.conftest import Partnership
from tests.integration.ops.prometheus import PrometheusServer, die_with_parent

REPO = Path(__file__).resolve().parents[3]
CONNECTOR = (sys.executable, "-m", "hub.cli.main", "connector", "run")


class WatchedConnector:
    """`hub connector run <partner> --watch` on a drop folder, serving /metrics on a port."""

    def __init__(self, partner: str, drop: Path, port: int, proc: subprocess.Popen[bytes]):
        self.partner = partner
        self.drop = drop
        self.port = port
        self.proc = proc
        self.target = f"127.0.0.1:{port}"

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            output, _ = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            output, _ = self.proc.communicate(timeout=30)
        return output.decode(errors="replace")


@pytest.fixture
def watched_connector(
    connector_settings: HubSettings, partnership: Partnership, tmp_path: Path
) -> Iterator[Callable[..., WatchedConnector]]:
    started: list[WatchedConnector] = []

    def start(partner: str, files: int = 1, **env: str) -> WatchedConnector:
        drop = tmp_path / f"drop-{partner}"
        drop.mkdir()
        for file in sorted(p for p in partnership.export(partner).iterdir() if p.is_file())[:files]:
            shutil.copy(file, drop / file.name)
        port = free_port()
        environment = child_environment(
            connector_settings,
            HUB_CONNECTOR__KEYS_DIR=str(partnership.keys),
            HUB_CONNECTOR__METRICS_PORT=str(port),
            **env,
        )
        proc = subprocess.Popen(
            [*CONNECTOR, partner, "-i", str(drop), "--watch"],
            cwd=REPO,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
        connector = WatchedConnector(partner, drop, port, proc)
        started.append(connector)
        return connector

    yield start
    for connector in started:
        connector.stop()


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[Callable[[dict[str, list[str]]], PrometheusServer]]:
    """Start Prometheus with the project's own scrape jobs and rules (hub.ops.promconfig),
    scraping and evaluating every second, with ``targets`` for the hub jobs it names."""
    servers: list[PrometheusServer] = []

    def start(targets: dict[str, list[str]]) -> PrometheusServer:
        workdir = tmp_path / f"prometheus-{len(servers)}"
        workdir.mkdir()
        port = free_port()
        config = local_config(
            targets={"prometheus": [f"127.0.0.1:{port}"], **targets}, interval_s=1
        )
        server = PrometheusServer(workdir, config, port)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
