"""Reading what the stream layer wrote, for integration tests: whole topics up to their end
offsets, alert ids, and waiting (with a timeout) for a topic to fill while a worker runs."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from hub.config import HubSettings
from hub.kafka.snapshot import read_to_end
from hub.kafka.topics import PANELS


def records(settings: HubSettings, topic: str) -> list[tuple[bytes, dict[str, bytes]]]:
    """Every record up to the end offsets: a read that stopped at the first idle gap could
    miss records on a loaded machine and fail the test with nothing lost."""
    return [(m.value, dict(m.headers)) for m in read_to_end(settings, topic, timeout_s=60)]


def alert_ids(settings: HubSettings) -> list[str]:
    return [h["ce_id"].decode() for p in PANELS for _, h in records(settings, f"alerts.{p}")]


def wait_for(
    settings: HubSettings,
    topic: str,
    count: int,
    worker: subprocess.Popen[bytes],
    log: Path,
    timeout_s: float = 120,
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            pytest.fail(f"worker exited {worker.returncode}:\n{log.read_text()[-3000:]}")
        if len(records(settings, topic)) >= count:
            return
    pytest.fail(f"{topic} did not reach {count} within {timeout_s}s:\n{log.read_text()[-3000:]}")
