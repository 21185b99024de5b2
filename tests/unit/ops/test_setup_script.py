"""deploy/setup-prometheus.sh: a no-op when Prometheus is installed, a clear error when it is
missing and cannot be installed (the apt-get path itself runs in CI's `make system-packages`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.unit.ops.rules import REPO

SCRIPT = REPO / "deploy" / "setup-prometheus.sh"


def _run(command: list[str], path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        env={"PATH": path, "LANG": "C"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_nothing_happens_when_prometheus_and_promtool_are_there() -> None:
    done = _run(["/bin/bash", str(SCRIPT)], os.environ["PATH"])
    assert done.returncode == 0, done.stderr
    assert done.stdout + done.stderr == ""


def test_missing_tools_that_cannot_be_installed_are_a_clear_error(tmp_path: Path) -> None:
    """A PATH with neither the tools nor sudo nor apt-get: as root the script finds no
    apt-get, as another user it may not install; either way it says what to do."""
    bare = tmp_path / "bin"
    bare.mkdir()
    id_tool = shutil.which("id")
    assert id_tool is not None
    (bare / "id").symlink_to(id_tool)
    done = _run(["/bin/bash", str(SCRIPT)], str(bare))
    assert done.returncode == 1
    if os.geteuid() == 0:
        assert "apt-get is not available" in done.stderr
    else:
        assert "cannot install them" in done.stderr
    assert "prometheus" in done.stderr


def test_a_user_who_may_not_install_is_told_the_command() -> None:
    with tempfile.TemporaryDirectory(prefix="hub-setup-") as folder:
        bare = Path(folder)
        bare.chmod(0o755)  # readable by the unprivileged user below
        id_tool = shutil.which("id")
        assert id_tool is not None
        (bare / "id").symlink_to(id_tool)
        script = shutil.copy(SCRIPT, bare / SCRIPT.name)  # the checkout may be private to root
        command = ["/bin/bash", str(script)]
        if os.geteuid() == 0:  # CI runs as root: check the other branch as nobody
            setpriv = shutil.which("setpriv")
            assert setpriv is not None, "util-linux's setpriv is needed to drop root here"
            command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        done = _run(command, str(bare))
    assert done.returncode == 1
    assert "command not found" not in done.stderr
    assert "cannot install them" in done.stderr
    assert "apt-get install -y --no-install-recommends prometheus" in done.stderr
