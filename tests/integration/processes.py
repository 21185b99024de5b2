"""Hub and Faust processes that integration tests start, with the test's settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from hub.config import HubSettings, child_environment
from hub.kafka.local import free_port

REPO = Path(__file__).resolve().parents[2]


def faust_worker(app_module: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A real Faust worker for a test app module, logging to ``log``."""
    command = [
        sys.executable,
        "-m",
        "faust",
        "-A",
        app_module,
        "worker",
        "--without-web",
        "-l",
        "info",
    ]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT
    )


def hub_worker(settings: HubSettings, log: Path, **env: str) -> subprocess.Popen[bytes]:
    """A real `hub worker` on the test's settings, its /metrics on a free port unless
    ``env`` names one, logging to ``log``."""
    env.setdefault("HUB_WORKER__METRICS_PORT", str(free_port()))
    return subprocess.Popen(
        [sys.executable, "-m", "hub.cli.main", "worker"],
        cwd=REPO,
        env=child_environment(settings, **env),
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it has not gone within a minute."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
