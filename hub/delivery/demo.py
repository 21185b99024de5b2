"""The demo's delivery step: every alert the demo's worker produced, delivered on loopback.

A loopback webhook receiver (verifying signatures) stands in for the panels' case-management
systems, a local aiosmtpd process (if installed: it is a development dependency) for their
mail server, and the inbox store (if given, or if hub.inbox is installed) receives the
documents for the web inbox. The demo's panel directory is the default one with every
webhook pointed at the receiver and the receiver added to every panel, so each panel shows a
webhook delivery; nothing leaves 127.0.0.1. Received webhook documents are written to
``<state_dir>/demo-delivery/webhook/`` and mails to the Maildir beside it.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.table import Table

from hub.config import HubSettings
from hub.delivery.deliverer import ChannelOutcome
from hub.delivery.inbox import AlertSink, open_inbox_store
from hub.delivery.localmail import LocalMailServer, available
from hub.delivery.receiver import WebhookReceiver
from hub.delivery.service import DeliveryService
from hub.errors import ConfigurationError
from hub.panels.directory import DEFAULT_DIRECTORY

SIGNING_ENV = "HUB_DEMO_WEBHOOK_SECRET"


@dataclass
class DemoDelivery:
    directory_file: Path
    webhook_url: str
    webhook_dir: Path
    maildir: Path | None
    inbox: str | None
    ledger: Path
    outcomes: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    webhook_documents: int = 0
    emails: int = 0


def demo_directory(out: Path, webhook_url: str, *, email: bool) -> Path:
    """The default directory, delivering to the loopback receiver (and mail, if on)."""
    data = yaml.safe_load(DEFAULT_DIRECTORY.read_text())
    hook = {
        "kind": "webhook",
        "url": webhook_url,
        "secret_env": SIGNING_ENV,
        "allow_plain_http": True,
    }
    for panel in data["panels"]:
        channels = [c for c in panel["channels"] if c["kind"] != "webhook"]
        if not email:
            channels = [c for c in channels if c["kind"] != "email"]
        panel["channels"] = [*channels, hook]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


def run_demo_delivery(
    settings: HubSettings,
    *,
    console: Console | None = None,
    sink: AlertSink | None = None,
    timeout_s: float = 180.0,
) -> DemoDelivery:
    """Deliver every alert on the demo's alerts topics, print per panel and channel what
    happened, and return the figures. Runs `hub deliver`'s service in this process until
    it has caught up with the topics (or ``timeout_s`` passes)."""
    console = console or Console()
    root = Path(settings.state_dir) / "demo-delivery"
    secret = secrets.token_hex(32)
    os.environ[SIGNING_ENV] = secret  # the channel reads its secret from the environment
    mail: LocalMailServer | None = None
    if available():
        mail = LocalMailServer(root / "maildir", log=root / "smtpd.log").start()
    try:
        result = _deliver(settings, root, secret, mail, sink, timeout_s)
    finally:
        if mail is not None:
            mail.stop()
    _print(console, result)
    return result


def _deliver(
    settings: HubSettings,
    root: Path,
    secret: str,
    mail: LocalMailServer | None,
    sink: AlertSink | None,
    timeout_s: float,
) -> DemoDelivery:
    disabled: set[str] = set()
    inbox: str | None = None
    if sink is None:
        try:
            sink = open_inbox_store(settings)
        except ConfigurationError:
            disabled.add("inbox")
    if sink is not None:
        inbox = settings.inbox_database_url
    with WebhookReceiver(secret.encode()) as receiver:
        directory = demo_directory(root / "panels.yaml", receiver.url, email=mail is not None)
        delivery = settings.delivery.model_copy(
            update={
                "metrics_port": None,
                "disabled_channels": frozenset(disabled) | settings.delivery.disabled_channels,
                "max_attempts": 3,
                "backoff_base_s": 0.1,
                "backoff_cap_s": 1.0,
                **(
                    {
                        "smtp_host": mail.host,
                        "smtp_port": mail.port,
                        "smtp_starttls": False,
                        "smtp_user": None,
                        "smtp_password": None,
                    }
                    if mail is not None
                    else {}
                ),
            }
        )
        demo_settings = settings.model_copy(
            update={
                "delivery": delivery,
                "panels": settings.panels.model_copy(update={"directory_file": directory}),
            }
        )
        result = DemoDelivery(
            directory,
            receiver.url,
            root / "webhook",
            mail.maildir if mail else None,
            inbox,
            demo_settings.ledger_file,
        )

        def count(document: dict[str, Any], outcomes: list[ChannelOutcome]) -> None:
            for o in outcomes:
                result.outcomes[(document["panel_family"], o.channel, o.outcome)] += 1

        service = DeliveryService(demo_settings, sink=sink, report=count)
        timer = threading.Timer(timeout_s, service.stop.set)
        timer.start()
        try:
            service.run(until_caught_up=True)
        finally:
            timer.cancel()
        result.emails = len(mail.messages()) if mail is not None else 0
        result.webhook_dir.mkdir(parents=True, exist_ok=True)
        for document in receiver.received.documents.values():
            path = result.webhook_dir / f"{document['alert_id']}.{document['panel']}.json"
            path.write_text(json.dumps(document, indent=2))
        result.webhook_documents = len(receiver.received.documents)
    return result


def _print(console: Console, result: DemoDelivery) -> None:
    table = Table(
        "panel",
        "channel",
        "delivered",
        "dead-lettered",
        "already done",
        title="8. Delivery to the panels",
    )
    keys = sorted({(panel, channel) for panel, channel, _ in result.outcomes})
    for panel, channel in keys:
        table.add_row(
            panel,
            channel,
            str(result.outcomes[(panel, channel, "delivered")]),
            str(result.outcomes[(panel, channel, "dead_lettered")]),
            str(result.outcomes[(panel, channel, "duplicate")]),
        )
    console.print(table)
    console.print(
        f"Webhook receiver {result.webhook_url}: {result.webhook_documents} signed documents, "
        f"verified and saved in {result.webhook_dir}"
    )
    if result.maildir is not None:
        console.print(f"Local mailbox (Maildir) {result.maildir}: {result.emails} notices")
    else:
        console.print("Email: not sent (aiosmtpd is not installed: pip install -e '.[dev]')")
    if result.inbox is not None:
        console.print(f"Inbox store: {result.inbox}")
    else:
        console.print("Inbox: not stored (the inbox package hub.inbox is not installed)")
    console.print(f"Receipts: `hub deliver receipts` (ledger {result.ledger})")
