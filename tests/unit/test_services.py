"""Demo services: started once, found by pid file and marker, stopped, never a stranger."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hub.services import Services

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)", "hub-test-sleeper"]


def test_start_find_stop(tmp_path: Path) -> None:
    services = Services(tmp_path)
    first = services.start("sleeper", SLEEPER, os.environ, marker="hub-test-sleeper")
    try:
        again = services.start("sleeper", SLEEPER, os.environ, marker="hub-test-sleeper")
        assert again.pid == first.pid  # already running: not started twice
        assert [s.name for s in services.running()] == ["sleeper"]
    finally:
        assert services.stop("sleeper", timeout_s=10)
    assert services.find("sleeper") is None
    assert not services.stop("sleeper")
    assert (
        not Path(f"/proc/{first.pid}").exists()
        or b"hub-test-sleeper" not in Path(f"/proc/{first.pid}/cmdline").read_bytes()
    )


def test_a_pid_file_naming_someone_else_is_ignored(tmp_path: Path) -> None:
    services = Services(tmp_path)
    services.home.mkdir(parents=True)
    (services.home / "worker.pid").write_text(f"{os.getpid()}\nhub.cli.main worker\n")
    assert services.find("worker") is None  # this pytest process is not a worker
    assert not (services.home / "worker.pid").exists()
    assert services.stop_all() == []
