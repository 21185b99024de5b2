"""Run Debian's promtool (installed by `make system-packages`) and fail with its own output."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PROMETHEUS_DIR = REPO / "deploy" / "prometheus"


def promtool(*args: str | Path) -> str:
    """promtool's output; the test fails with that output when promtool says no."""
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is not on PATH: run `make system-packages`")
    done = subprocess.run(
        [binary, *map(str, args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = done.stdout + done.stderr
    if done.returncode != 0:
        pytest.fail(f"promtool {' '.join(map(str, args))} failed:\n{output}", pytrace=False)
    return output
