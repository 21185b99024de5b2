"""Delivery fixtures: a loopback-only panel directory, webhook secrets, a real SMTP server.

Every receiver here listens on 127.0.0.1; the directories the tests write point only there
(the default directory's webhook hosts are .invalid placeholders and are never used).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from kafka import KafkaConsumer, KafkaProducer

from hub.config import HubSettings
from hub.contracts.codec import Codec
from hub.delivery.localmail import LocalMailServer
from hub.delivery.samples import encoded
from hub.kafka.client import kafka_python_config, producer_config
from hub.kafka.topics import topic_name
from hub.streams.deadletter import DeadLetter

SECRET = b"delivery-test-secret-not-real"
SECRET_ENV = "HUB_TEST_WEBHOOK_SECRET"


@pytest.fixture
def webhook_secret(monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv(SECRET_ENV, SECRET.decode())
    return SECRET


def webhook(url: str, secret_env: str = SECRET_ENV) -> dict[str, Any]:
    assert url.startswith(("http://127.0.0.1:", "https://127.0.0.1:")), "loopback only"
    channel = {"kind": "webhook", "url": url, "secret_env": secret_env}
    return channel if url.startswith("https") else {**channel, "allow_plain_http": True}


def write_directory(path: Path, panels: dict[str, list[dict[str, Any]]]) -> Path:
    """A panel directory with the given channels per panel id (all loopback)."""
    path.write_text(
        yaml.safe_dump(
            {
                "panels": [
                    {"id": panel_id, "name": f"Test panel {panel_id}", "channels": channels}
                    for panel_id, channels in panels.items()
                ]
            }
        )
    )
    return path


@pytest.fixture
def mail_server(tmp_path: Path) -> Iterator[LocalMailServer]:
    with LocalMailServer(tmp_path / "maildir", log=tmp_path / "smtpd.log") as server:
        yield server


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made for this test."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def produce(settings: HubSettings, alerts: list[dict[str, Any]], poison: int = 0) -> None:
    codec = Codec()
    producer = KafkaProducer(**producer_config(settings))
    for alert in alerts:
        key, value, headers = encoded(alert, codec)
        family = alert["panel"].split("-E0")[0]
        producer.send(
            topic_name(f"alerts.{family}", settings.topic_prefix),
            key=key,
            value=value,
            headers=headers,
        )
    for _ in range(poison):
        producer.send(topic_name("alerts.iom", settings.topic_prefix), value=b"\xc3\x01poison")
    producer.flush(30)
    producer.close()


def dead_letters(settings: HubSettings, expect: int, timeout_s: float = 60) -> list[DeadLetter]:
    """The dead letters on dlq.deliver, read until ``expect`` arrived (or the timeout)."""
    consumer = KafkaConsumer(
        topic_name("dlq.deliver", settings.topic_prefix),
        **kafka_python_config(settings),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    letters: list[DeadLetter] = []
    deadline = time.monotonic() + timeout_s
    while len(letters) < expect and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            letters += [DeadLetter.from_headers(m.headers) for m in records]
    for records in consumer.poll(timeout_ms=500).values():  # and nothing unexpected after
        letters += [DeadLetter.from_headers(m.headers) for m in records]
    consumer.close()
    return letters


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:  # not listening (yet): no status
        return 0, str(exc)
