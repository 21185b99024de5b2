"""Hub and Faust processes that integration tests start, with the test's settings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
