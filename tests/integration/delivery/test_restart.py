"""At-least-once with idempotency across a crash: `hub deliver` SIGKILLed mid-stream and
restarted delivers every alert, and re-sends only what was in flight at the kill."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from hub.config import HubSettings, child_environment
from hub.delivery.ledger import Ledger
from hub.delivery.receiver import WebhookReceiver
from hub.delivery.samples import synthetic_alert
from hub.kafka.local import free_port
from tests.integration.delivery.conftest import (
    SECRET_ENV,
    get,
    produce,
    wait_until,
    webhook,
    write_directory,
)

REPO = Path(__file__).resolve().parents[3]
ALERTS = 300
CONCURRENCY = 4


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "hub.cli.main", "deliver"],
        cwd=REPO,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )


def _alive(process: subprocess.Popen[bytes], log: Path) -> None:
    if process.poll() is not None:
        raise AssertionError(f"hub deliver exited {process.returncode}:\n{log.read_text()[-3000:]}")


def _wait(check: Callable[[], bool], timeout_s: float, what: str, log: Path) -> None:
    """wait_until, with the service's log in the failure message."""
    try:
        wait_until(check, timeout_s, what)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; hub deliver log:\n{log.read_text()[-4000:]}") from None


def test_sigkill_mid_stream_loses_nothing(
    topics: HubSettings, tmp_path: Path, webhook_secret: bytes
) -> None:
    alerts = [synthetic_alert(n, "iom", seed="restart") for n in range(ALERTS)]
    produce(topics, alerts)
    log = tmp_path / "deliver.log"
    port = free_port()
    with WebhookReceiver(webhook_secret, delay_s=0.02) as receiver:
        directory = write_directory(tmp_path / "panels.yaml", {"iom": [webhook(receiver.url)]})
        env = child_environment(
            topics,
            HUB_PANELS__DIRECTORY_FILE=str(directory),
            HUB_DELIVERY__METRICS_PORT=str(port),
            HUB_DELIVERY__CONCURRENCY=str(CONCURRENCY),
            **{SECRET_ENV: webhook_secret.decode()},
        )
        process = _start(env, log)
        try:

            def some_delivered() -> bool:
                _alive(process, log)
                return len(receiver.received.documents) >= ALERTS // 4

            _wait(some_delivered, 180, f"{ALERTS // 4} alerts before the kill", log)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            at_kill = len(receiver.received.documents)
            assert at_kill < ALERTS, "the kill came too late to be mid-stream"

            process = _start(env, log)

            def all_delivered() -> bool:
                _alive(process, log)
                return len(receiver.received.documents) == ALERTS

            _wait(all_delivered, 180, f"all {ALERTS} alerts after the restart", log)
            wait_until(lambda: get(f"http://127.0.0.1:{port}/healthz")[0] == 200, 30, "healthy")
            _, metrics = get(f"http://127.0.0.1:{port}/metrics")
            time.sleep(1.5)  # a last offset commit, and no stray late re-sends
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
        assert process.returncode == 0, log.read_text()[-3000:]

    received = receiver.received
    expected_keys = {f"{a['alert_id']}:iom:webhook" for a in alerts}
    assert set(received.documents) == expected_keys  # nothing lost
    resent = {key: n - 1 for key, n in received.deliveries.items() if n > 1}
    skipped = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("hub_deliveries_total{") and 'outcome="duplicate"' in line
    )
    print(
        f"\n{ALERTS} alerts, killed after {at_kill}: {sum(resent.values())} re-sent "
        f"({len(resent)} alerts), {skipped:.0f} re-read but skipped by the ledger, "
        f"concurrency {CONCURRENCY}"
    )
    # Only what was in flight at the kill can be re-sent: the ledger skips the rest.
    assert sum(resent.values()) <= CONCURRENCY
    ledger = Ledger(topics.ledger_file)
    receipts = {f"{r.alert_id}:{r.panel}:{r.channel}": r for r in ledger.receipts()}
    ledger.close()
    assert {r.status for r in receipts.values()} == {"delivered"}
    assert len(receipts) == ALERTS
    restarted = {key for key, r in receipts.items() if r.starts > 1}
    assert set(resent) <= restarted  # every re-send was a delivery begun before the kill
    assert 'hub_deliveries_total{channel="webhook",outcome="delivered",panel="iom"}' in metrics


def test_sigterm_mid_stream_finishes_in_flight_and_resends_nothing(
    topics: HubSettings, tmp_path: Path, webhook_secret: bytes
) -> None:
    total = 150
    alerts = [synthetic_alert(n, "iom", seed="graceful") for n in range(total)]
    produce(topics, alerts)
    log = tmp_path / "deliver.log"
    with WebhookReceiver(webhook_secret, delay_s=0.02) as receiver:
        directory = write_directory(tmp_path / "panels.yaml", {"iom": [webhook(receiver.url)]})
        env = child_environment(
            topics,
            HUB_PANELS__DIRECTORY_FILE=str(directory),
            HUB_DELIVERY__METRICS_PORT=str(free_port()),
            HUB_DELIVERY__CONCURRENCY=str(CONCURRENCY),
            **{SECRET_ENV: webhook_secret.decode()},
        )
        process = _start(env, log)
        try:

            def some_delivered() -> bool:
                _alive(process, log)
                return len(receiver.received.documents) >= total // 4

            _wait(some_delivered, 180, f"{total // 4} alerts before SIGTERM", log)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0, log.read_text()[-3000:]
            assert len(receiver.received.documents) < total, "SIGTERM came too late"
            process = _start(env, log)

            def all_delivered() -> bool:
                _alive(process, log)
                return len(receiver.received.documents) == total

            _wait(all_delivered, 180, f"all {total} alerts after the restart", log)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)
    # a graceful stop commits what finished and records every outcome: no re-sends at all
    assert set(receiver.received.deliveries.values()) == {1}
