"""`hub inbox serve` as a real process: /healthz, /metrics, sign-in page, on its own port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from hub.kafka.local import free_port
from tests.integration.processes import REPO
from tests.unit.inbox.factory import make_keys


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_serve_answers_health_metrics_and_the_sign_in_page(tmp_path: Path) -> None:
    port = free_port()
    keys = make_keys(tmp_path / "keys")
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "hub.cli.main", "inbox", "serve", "--port", str(port)]
    command += ["--db", f"sqlite:///{tmp_path / 'inbox.db'}", "--keys-dir", str(keys)]
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=REPO, env=dict(os.environ), stdout=out, stderr=out)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                status, body = _get(base + "/healthz")
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, (
                    "inbox did not answer in 30 s\n" + log.read_text()
                )
                time.sleep(0.2)
        assert (status, body) == (200, "ok")
        status, metrics = _get(base + "/metrics")
        assert status == 200
        assert "hub_inbox_logins_total" in metrics
        assert "hub_inbox_identity_openings_total" in metrics
        status, page = _get(base + "/")
        assert status == 200  # followed the redirect to sign-in
        assert "<h1>Sign in</h1>" in page
        status, _ = _get(base + "/api/alerts")
        assert status == 401
    finally:
        process.terminate()
        process.wait(timeout=15)
