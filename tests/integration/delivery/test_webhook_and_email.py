"""Webhook and email channels against real servers on loopback: a signed POST that a
receiver verifies, retries on 5xx and 429, dead letters after the budget or on a 4xx; an
email notice through a real SMTP server process, with and without STARTTLS."""

from __future__ import annotations

import http.client
import json
import ssl
import time
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from hub.config import DeliverySettings
from hub.contracts.codec import Codec
from hub.delivery.deliverer import Deliverer
from hub.delivery.document import alert_document
from hub.delivery.ledger import Ledger
from hub.delivery.localmail import LocalMailServer
from hub.delivery.mail import EmailSender
from hub.delivery.metrics import DeliveryMetrics
from hub.delivery.receiver import WebhookReceiver
from hub.delivery.retry import RetryPolicy, TransientError
from hub.delivery.samples import encoded, synthetic_alert
from hub.delivery.signing import HEADER, sign
from hub.delivery.webhook import WebhookSender, body_of
from hub.kafka.local import free_port
from hub.panels.directory import PanelDirectory, load_directory
from tests.integration.delivery.conftest import webhook, write_directory


def _document(n: int, panel: str) -> dict[str, Any]:
    codec = Codec()
    return alert_document(codec.decode(encoded(synthetic_alert(n, panel), codec)[1])[1])


def _deliverer(
    tmp_path: Path, directory: PanelDirectory, max_attempts: int = 4, **settings: Any
) -> tuple[Deliverer, list[float]]:
    sleeps: list[float] = []
    delivery = DeliverySettings(request_timeout_s=5, **settings)
    deliverer = Deliverer(
        delivery,
        directory,
        Ledger(tmp_path / "ledger.sqlite"),
        DeliveryMetrics(CollectorRegistry()),
        {"webhook": WebhookSender(5), "email": EmailSender(delivery)},
        policy=RetryPolicy(max_attempts=max_attempts, base_s=0.01, cap_s=0.05),
        sleep=lambda s: (sleeps.append(s), time.sleep(s)),
    )
    return deliverer, sleeps


def test_signed_webhook_is_retried_through_500s_then_delivered(
    tmp_path: Path, webhook_secret: bytes
) -> None:
    with WebhookReceiver(webhook_secret, plan=[500, 502, 503]) as receiver:
        directory = load_directory(
            write_directory(tmp_path / "panels.yaml", {"iom": [webhook(receiver.url)]})
        )
        deliverer, sleeps = _deliverer(tmp_path, directory)
        document = _document(1, "iom")
        letters: list[str] = []
        (outcome,) = deliverer.deliver(document, letters.append)
    assert (outcome.outcome, outcome.attempts, outcome.status) == ("delivered", 4, 200)
    assert receiver.received.requests == 4  # three failures observed, then the success
    assert receiver.received.refused == []  # every request carried a valid signature
    key = f"{document['alert_id']}:iom:webhook"
    assert receiver.received.documents[key] == document
    assert len(sleeps) == 3
    assert letters == []


def test_retry_after_from_a_429_is_honoured(tmp_path: Path, webhook_secret: bytes) -> None:
    with WebhookReceiver(webhook_secret, plan=[429], retry_after="1") as receiver:
        directory = load_directory(
            write_directory(tmp_path / "panels.yaml", {"iom": [webhook(receiver.url)]})
        )
        deliverer, sleeps = _deliverer(tmp_path, directory)
        (outcome,) = deliverer.deliver(_document(2, "iom"), lambda _r: None)
    assert outcome.outcome == "delivered"
    assert sleeps == [1.0]


def test_a_receiver_that_always_fails_is_dead_lettered_after_the_budget(
    tmp_path: Path, webhook_secret: bytes
) -> None:
    with WebhookReceiver(webhook_secret, always=500) as receiver:
        directory = load_directory(
            write_directory(tmp_path / "panels.yaml", {"shift": [webhook(receiver.url)]})
        )
        deliverer, sleeps = _deliverer(tmp_path, directory, max_attempts=3)
        document = _document(3, "shift")
        letters: list[str] = []
        (outcome,) = deliverer.deliver(document, letters.append)
    assert outcome.outcome == "dead_lettered"
    assert receiver.received.requests == 3
    assert len(sleeps) == 2
    assert letters == [
        f"panel shift channel webhook alert {document['alert_id']}: retry budget spent after "
        "3 attempt(s); last error: HTTP 500"
    ]


def test_a_4xx_fails_fast_and_a_wrong_secret_is_refused_by_the_receiver(
    tmp_path: Path, webhook_secret: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_TEST_WRONG_SECRET", "not-the-receivers-secret")
    with WebhookReceiver(webhook_secret) as receiver:
        path = write_directory(
            tmp_path / "panels.yaml", {"iom": [webhook(receiver.url, "HUB_TEST_WRONG_SECRET")]}
        )
        deliverer, sleeps = _deliverer(tmp_path, load_directory(path))
        letters: list[str] = []
        (outcome,) = deliverer.deliver(_document(4, "iom"), letters.append)
    assert (outcome.outcome, outcome.attempts, outcome.status) == ("dead_lettered", 1, 401)
    assert sleeps == []
    assert "not retryable after 1 attempt(s); last error: HTTP 401" in letters[0]
    assert receiver.received.refused == [f"{HEADER}: signature does not match the body"]
    assert receiver.received.documents == {}


def test_a_replayed_request_is_refused_by_the_receiver(webhook_secret: bytes) -> None:
    document = _document(5, "iom")
    body = body_of(document)
    now = [time.time()]
    with WebhookReceiver(webhook_secret, clock=lambda: now[0]) as receiver:
        host, port = receiver.url.split("//")[1].split("/")[0].split(":")

        def post(header: str) -> int:
            connection = http.client.HTTPConnection(host, int(port), timeout=5)
            connection.request(
                "POST",
                "/hooks/alerts",
                body=body,
                headers={HEADER: header, "Idempotency-Key": f"{document['alert_id']}:iom:webhook"},
            )
            status = connection.getresponse().status
            connection.close()
            return status

        captured = sign(webhook_secret, body, int(now[0]))
        assert post(captured) == 200
        now[0] += 600  # an attacker replays the captured request ten minutes later
        assert post(captured) == 401
        assert post(sign(webhook_secret, body, int(now[0]) - 3600)) == 401  # old timestamp
    assert receiver.received.deliveries[f"{document['alert_id']}:iom:webhook"] == 1
    assert all("stale or replayed" in r for r in receiver.received.refused)


def test_connection_refused_is_retried_then_dead_lettered(
    tmp_path: Path, webhook_secret: bytes
) -> None:
    closed = f"http://127.0.0.1:{free_port()}/nobody-listens"
    directory = load_directory(
        write_directory(tmp_path / "panels.yaml", {"iom": [webhook(closed)]})
    )
    deliverer, sleeps = _deliverer(tmp_path, directory, max_attempts=2)
    letters: list[str] = []
    (outcome,) = deliverer.deliver(_document(6, "iom"), letters.append)
    assert outcome.outcome == "dead_lettered"
    assert "ConnectionRefusedError" in letters[0]
    assert len(sleeps) == 1


def test_email_notice_reaches_a_real_smtp_server(
    tmp_path: Path, mail_server: LocalMailServer
) -> None:
    email = {"kind": "email", "to": ["iom-panel@example.org", "iom-deputy@example.org"]}
    directory = load_directory(write_directory(tmp_path / "panels.yaml", {"iom": [email]}))
    deliverer, _ = _deliverer(
        tmp_path,
        directory,
        smtp_host=mail_server.host,
        smtp_port=mail_server.port,
        smtp_from="hub@csp.example.org",
        inbox_url="http://127.0.0.1:8080",
    )
    document = _document(7, "iom")
    (outcome,) = deliverer.deliver(document, lambda _r: None)
    assert (outcome.outcome, outcome.status) == ("delivered", 250)
    (message,) = mail_server.messages()
    assert message["To"] == "iom-panel@example.org, iom-deputy@example.org"
    assert message["From"] == "hub@csp.example.org"
    assert message["Message-ID"] == f"<{document['alert_id']}.iom@csp-hub>"
    text = message.as_string()
    assert f"http://127.0.0.1:8080/alerts/{document['alert_id']}" in text
    assert "Test panel iom" in text
    for leak in [document["person_id"], *(e["source_record_ref"] for e in document["evidence"])]:
        assert leak not in text
    assert json.dumps(document["fields"]) not in text


def test_email_over_starttls_with_the_servers_certificate(
    tmp_path: Path, tls_files: tuple[Path, Path]
) -> None:
    cert, key = tls_files
    email = {"kind": "email", "to": ["iom-panel@example.org"]}
    directory = load_directory(write_directory(tmp_path / "panels.yaml", {"iom": [email]}))
    with LocalMailServer(
        tmp_path / "tls-maildir", tls_cert=cert, tls_key=key, log=tmp_path / "tls.log"
    ) as server:
        plain, _ = _deliverer(
            tmp_path / "plain", directory, 1, smtp_host=server.host, smtp_port=server.port
        )
        letters: list[str] = []
        refused = plain.deliver(_document(8, "iom"), letters.append)
        assert refused[0].outcome == "dead_lettered"  # the server requires STARTTLS first
        assert "SMTP 530" in letters[0]
        secure, _ = _deliverer(
            tmp_path / "tls",
            directory,
            smtp_host=server.host,
            smtp_port=server.port,
            smtp_starttls=True,
            smtp_cafile=cert,
        )
        (outcome,) = secure.deliver(_document(9, "iom"), lambda _r: None)
        assert outcome.outcome == "delivered"
        assert len(server.messages()) == 1


def test_email_to_a_server_that_is_down_is_transient(tmp_path: Path) -> None:
    sender = EmailSender(DeliverySettings(smtp_host="127.0.0.1", smtp_port=free_port()))
    directory = load_directory(
        write_directory(tmp_path / "p.yaml", {"iom": [{"kind": "email", "to": ["a@example.org"]}]})
    )
    panel = directory.panel("iom")
    assert panel is not None
    with pytest.raises(TransientError, match="ConnectionRefusedError"):
        sender.send(panel, panel.channels[0], _document(10, "iom"))


def test_https_webhook_checks_the_receivers_certificate(
    tmp_path: Path, webhook_secret: bytes, tls_files: tuple[Path, Path]
) -> None:
    cert, key = tls_files
    with WebhookReceiver(webhook_secret, tls=(cert, key)) as receiver:
        assert receiver.url.startswith("https://127.0.0.1:")
        path = write_directory(tmp_path / "panels.yaml", {"engage-{area}": [webhook(receiver.url)]})
        directory = load_directory(path)
        document = _document(11, "engage-E01900012")
        trusting, _ = _deliverer(tmp_path / "trusting", directory)
        trusting.senders["webhook"] = WebhookSender(
            5, ssl_context=ssl.create_default_context(cafile=str(cert))
        )
        (outcome,) = trusting.deliver(document, lambda _r: None)
        assert outcome.outcome == "delivered"
        # the routed panel id, not the directory's template, names the delivery
        assert list(receiver.received.documents) == [
            f"{document['alert_id']}:engage-E01900012:webhook"
        ]
        default, _ = _deliverer(tmp_path / "default", directory)  # system CAs only
        letters: list[str] = []
        (refused,) = default.deliver(_document(12, "engage-E01900012"), letters.append)
    assert (refused.outcome, refused.attempts) == ("dead_lettered", 1)
    assert "TLS certificate refused" in letters[0]
    assert receiver.received.requests == 1
