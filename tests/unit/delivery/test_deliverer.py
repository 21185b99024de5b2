"""One alert through its panel's channels: ledger, retries, dead letters, metrics, and the
email notice's contents. Senders here are test doubles of our own Sender interface; real
HTTP and SMTP are in tests/integration/delivery."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from hub.config import DeliverySettings
from hub.contracts.codec import Codec
from hub.delivery.deliverer import Deliverer, Interrupted
from hub.delivery.document import alert_document
from hub.delivery.inbox import InboxSender
from hub.delivery.ledger import Ledger
from hub.delivery.mail import notice
from hub.delivery.metrics import DeliveryMetrics
from hub.delivery.retry import ChannelError, PermanentError, RetryPolicy, TransientError
from hub.delivery.samples import encoded, synthetic_alert
from hub.panels.directory import EmailChannel, Panel, PanelDirectory, load_directory


class Scripted:
    """Raises the scripted errors in order, then succeeds; records every call."""

    def __init__(
        self, errors: list[ChannelError] | None = None, always: ChannelError | None = None
    ):
        self.errors = list(errors or [])
        self.always = always
        self.calls: list[str] = []

    def send(self, panel: Panel, channel: Any, document: dict[str, Any]) -> int:
        self.calls.append(document["alert_id"])
        if self.always is not None:
            raise self.always
        if self.errors:
            raise self.errors.pop(0)
        return 202


class MemorySink:
    def __init__(self) -> None:
        self.stored: dict[str, dict[str, Any]] = {}

    def add_alert(self, document: dict[str, Any]) -> bool:
        new = document["alert_id"] not in self.stored
        self.stored.setdefault(document["alert_id"], document)
        return new


@pytest.fixture
def directory(tmp_path: Path) -> PanelDirectory:
    path = tmp_path / "panels.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "panels": [
                    {
                        "id": "iom",
                        "name": "IOM",
                        "channels": [
                            {
                                "kind": "webhook",
                                "url": "http://127.0.0.1:9/h",
                                "secret_env": "HUB_TEST_SECRET",
                                "allow_plain_http": True,
                            },
                            {"kind": "email", "to": ["iom@example.org"]},
                            {"kind": "inbox"},
                        ],
                    }
                ]
            }
        )
    )
    return load_directory(path)


def _document(n: int, panel: str = "iom") -> dict[str, Any]:
    codec = Codec()
    return alert_document(codec.decode(encoded(synthetic_alert(n, panel), codec)[1])[1])


def _deliverer(
    tmp_path: Path, directory: PanelDirectory, senders: dict[str, Any], **settings: Any
) -> tuple[Deliverer, list[float], CollectorRegistry]:
    sleeps: list[float] = []
    registry = CollectorRegistry()
    deliverer = Deliverer(
        DeliverySettings(**settings),
        directory,
        Ledger(tmp_path / "ledger.sqlite"),
        DeliveryMetrics(registry),
        senders,
        policy=RetryPolicy(max_attempts=4, base_s=1, cap_s=4, uniform=lambda _l, h: h),
        sleep=sleeps.append,
    )
    return deliverer, sleeps, registry


def _count(registry: CollectorRegistry, channel: str, outcome: str, panel: str = "iom") -> float:
    value = registry.get_sample_value(
        "hub_deliveries_total", {"panel": panel, "channel": channel, "outcome": outcome}
    )
    return value or 0.0


def test_every_channel_delivered_after_transient_failures(
    tmp_path: Path, directory: PanelDirectory
) -> None:
    webhook = Scripted([TransientError("HTTP 500", 500), TransientError("HTTP 429", 429, 7.0)])
    email = Scripted()
    sink = MemorySink()
    senders = {"webhook": webhook, "email": email, "inbox": InboxSender(sink)}
    deliverer, sleeps, registry = _deliverer(tmp_path, directory, senders)
    letters: list[str] = []
    document = _document(1)
    outcomes = deliverer.deliver(document, letters.append)
    assert [(o.channel, o.outcome, o.attempts) for o in outcomes] == [
        ("webhook", "delivered", 3),
        ("email", "delivered", 1),
        ("inbox", "delivered", 1),
    ]
    assert sleeps == [1, 7.0]  # backoff ceiling for attempt 1, then the receiver's Retry-After
    assert letters == []
    assert sink.stored[document["alert_id"]] == document
    receipt = deliverer.ledger.get(document["alert_id"], "iom", "webhook")
    assert receipt is not None
    assert (receipt.status, receipt.attempts, receipt.http_status) == ("delivered", 3, 202)
    assert _count(registry, "webhook", "failed") == 2
    assert _count(registry, "webhook", "retried") == 2
    assert _count(registry, "webhook", "delivered") == 1
    assert (
        registry.get_sample_value("hub_delivery_latency_seconds_count", {"channel": "webhook"}) == 1
    )


def test_a_second_read_sends_nothing_again(tmp_path: Path, directory: PanelDirectory) -> None:
    webhook, email = Scripted(), Scripted()
    deliverer, _, registry = _deliverer(
        tmp_path, directory, {"webhook": webhook, "email": email}, disabled_channels={"inbox"}
    )
    document = _document(2)
    deliverer.deliver(document, lambda _r: None)
    again = deliverer.deliver(document, lambda _r: None)
    assert [o.outcome for o in again] == ["duplicate", "duplicate"]
    assert len(webhook.calls) == len(email.calls) == 1
    assert _count(registry, "email", "duplicate") == 1


def test_budget_spent_dead_letters_with_a_reason(tmp_path: Path, directory: PanelDirectory) -> None:
    webhook = Scripted(always=TransientError("HTTP 503", 503))
    deliverer, sleeps, registry = _deliverer(
        tmp_path, directory, {"webhook": webhook, "email": Scripted()}, disabled_channels={"inbox"}
    )
    letters: list[str] = []
    document = _document(3)
    outcomes = deliverer.deliver(document, letters.append)
    assert outcomes[0].outcome == "dead_lettered"
    assert outcomes[1].outcome == "delivered"  # one channel failing does not stop the others
    assert len(webhook.calls) == 4
    assert sleeps == [1, 2, 4]
    (reason,) = letters
    assert f"panel iom channel webhook alert {document['alert_id']}" in reason
    assert "retry budget spent after 4 attempt(s); last error: HTTP 503" in reason
    receipt = deliverer.ledger.get(document["alert_id"], "iom", "webhook")
    assert receipt is not None
    assert (receipt.status, receipt.http_status) == ("dead_lettered", 503)
    assert _count(registry, "webhook", "dead_lettered") == 1
    # the dead letter is a final outcome: a re-read does not start over
    assert deliverer.deliver(document, letters.append)[0].outcome == "duplicate"


def test_a_permanent_error_fails_fast(tmp_path: Path, directory: PanelDirectory) -> None:
    webhook = Scripted(always=PermanentError("HTTP 400 (not retryable)", 400))
    deliverer, sleeps, _ = _deliverer(
        tmp_path, directory, {"webhook": webhook, "email": Scripted()}, disabled_channels={"inbox"}
    )
    letters: list[str] = []
    deliverer.deliver(_document(4), letters.append)
    assert len(webhook.calls) == 1
    assert sleeps == []
    assert "not retryable after 1 attempt(s)" in letters[0]


def test_an_unknown_panel_is_dead_lettered(tmp_path: Path, directory: PanelDirectory) -> None:
    deliverer, _, registry = _deliverer(tmp_path, directory, {})
    letters: list[str] = []
    document = _document(5, panel="shift")
    assert deliverer.deliver(document, letters.append)[0].outcome == "dead_lettered"
    assert "panel shift channel none" in letters[0]
    assert "no entry in the panel directory" in letters[0]
    assert _count(registry, "none", "dead_lettered", panel="shift") == 1


def test_stopping_mid_retry_leaves_the_channel_pending(
    tmp_path: Path, directory: PanelDirectory
) -> None:
    webhook = Scripted(always=TransientError("HTTP 500", 500))
    deliverer, _, _ = _deliverer(tmp_path, directory, {"webhook": webhook, "email": Scripted()})
    deliverer.sleep = lambda _s: deliverer.stop.set()
    document = _document(6)
    with pytest.raises(Interrupted):
        deliverer.deliver(document, lambda _r: None)
    receipt = deliverer.ledger.get(document["alert_id"], "iom", "webhook")
    assert receipt is not None
    assert receipt.status == "pending"


def test_ledger_survives_a_restart_and_counts_restarts(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    ledger = Ledger(path)
    assert ledger.start("a1", "iom", "webhook") is None
    ledger.close()  # a crash mid-delivery
    ledger = Ledger(path)
    assert ledger.start("a1", "iom", "webhook") is None  # still pending: deliver again
    ledger.finish("a1", "iom", "webhook", "delivered", 200, None, attempted=True)
    ledger.close()
    ledger = Ledger(path)
    final = ledger.start("a1", "iom", "webhook")
    assert final is not None
    assert (final.status, final.starts, final.attempts) == ("delivered", 2, 1)
    assert ledger.counts() == {"delivered": 1}
    with pytest.raises(ValueError, match="final"):
        ledger.finish("a1", "iom", "webhook", "pending", None, None)


def test_the_email_notice_carries_no_personal_data(directory: PanelDirectory) -> None:
    document = _document(7)
    panel = directory.panel("iom")
    assert panel is not None
    channel = panel.channel("email")
    assert isinstance(channel, EmailChannel)
    settings = DeliverySettings(inbox_url="https://inbox.csp.example/")
    message = notice(settings, panel, channel, document)
    body = message.get_content()
    text = message.as_string()
    assert f"https://inbox.csp.example/alerts/{document['alert_id']}" in body
    assert f"https://inbox.csp.example/alerts/{document['alert_id']}" in text
    assert "repeat_victim" in text
    assert "IOM" in text
    forbidden = [document["person_id"], json.dumps(document["fields"])]
    forbidden += [e["event_id"] for e in document["evidence"]]
    forbidden += [e["source_record_ref"] for e in document["evidence"]]
    forbidden += list(document["fields"].values())
    for value in forbidden:
        assert value not in text, f"the email leaks {value!r}"


def test_a_senders_unexpected_error_is_dead_lettered_not_raised(
    tmp_path: Path, directory: PanelDirectory
) -> None:
    class Broken:
        def send(self, panel: Panel, channel: Any, document: dict[str, Any]) -> int:
            raise KeyError("surprise")

    deliverer, sleeps, _ = _deliverer(
        tmp_path, directory, {"webhook": Broken(), "email": Scripted()}, disabled_channels={"inbox"}
    )
    letters: list[str] = []
    outcomes = deliverer.deliver(_document(8), letters.append)
    assert [o.outcome for o in outcomes] == ["dead_lettered", "delivered"]
    assert "unexpected KeyError" in letters[0]
    assert sleeps == []
