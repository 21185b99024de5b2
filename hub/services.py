"""Background hub processes for the one-machine demo: start, find, stop.

The demo leaves the flow running (worker, delivery, inbox, Prometheus) so an operator can
watch /metrics and open the inbox after it prints its summary; ``hub demo stop`` ends them.
Each service is a child in its own session with a pid file and a log under
``<state_dir>/run``. A pid file is trusted only while ``/proc/<pid>/cmdline`` still shows the
service's marker, so a recycled pid is never signalled.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Service:
    name: str
    pid: int
    log_file: Path


class Services:
    def __init__(self, state_dir: Path) -> None:
        self.home = Path(state_dir) / "run"

    def start(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], *, marker: str
    ) -> Service:
        """Start ``argv`` unless a live ``name`` is already running; ``marker`` is a string
        of its command line that proves a pid is still this service."""
        self.home.mkdir(parents=True, exist_ok=True)
        running = self.find(name)
        if running is not None:
            return running
        log_file = self.home / f"{name}.log"
        with log_file.open("ab") as sink:
            proc = subprocess.Popen(
                list(argv),
                env=dict(env),
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        (self.home / f"{name}.pid").write_text(f"{proc.pid}\n{marker}\n")
        return Service(name, proc.pid, log_file)

    def find(self, name: str) -> Service | None:
        pid_file = self.home / f"{name}.pid"
        try:
            pid_text, marker = pid_file.read_text().splitlines()[:2]
            pid = int(pid_text)
            cmdline = _cmdline(pid)
        except (OSError, ValueError):
            pid_file.unlink(missing_ok=True)
            return None
        if marker.encode() not in cmdline:
            pid_file.unlink(missing_ok=True)  # stale: that process is gone or someone else's
            return None
        return Service(name, pid, self.home / f"{name}.log")

    def running(self) -> list[Service]:
        if not self.home.is_dir():
            return []
        found = (self.find(p.stem) for p in sorted(self.home.glob("*.pid")))
        return [s for s in found if s is not None]

    def stop(self, name: str, timeout_s: float = 30.0) -> bool:
        """SIGTERM, then SIGKILL after ``timeout_s``; True if it was running."""
        service = self.find(name)
        if service is None:
            return False
        os.kill(service.pid, signal.SIGTERM)
        if not _wait_exit(service.pid, timeout_s):
            log.warning(
                "%s (pid %s) ignored SIGTERM for %ss; killing it", name, service.pid, timeout_s
            )
            os.kill(service.pid, signal.SIGKILL)
            _wait_exit(service.pid, 10)
        (self.home / f"{name}.pid").unlink(missing_ok=True)
        return True

    def stop_all(self) -> list[str]:
        return [s.name for s in reversed(self.running()) if self.stop(s.name)]


def _cmdline(pid: int) -> bytes:
    """A process's command line; empty for a zombie, and for a moment just after exec, so an
    empty answer is asked again briefly before it counts."""
    for _ in range(20):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if cmdline:
            return cmdline.replace(b"\0", b" ")
        time.sleep(0.025)
    return b""


def _wait_exit(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False
