"""The demo's delivery step on the real broker: every alert delivered on loopback only."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from hub.config import HubSettings
from hub.delivery.demo import SIGNING_ENV, run_demo_delivery
from hub.delivery.samples import synthetic_alert
from tests.integration.delivery.conftest import produce


def test_demo_delivers_every_alert_on_loopback(
    topics: HubSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SIGNING_ENV, "restored-after-the-test")
    alerts = [synthetic_alert(n, "iom", seed="demo") for n in range(4)]
    alerts += [synthetic_alert(n, f"engage-E0190000{n}", seed="demo") for n in range(3)]
    alerts += [synthetic_alert(n, "ed-navigators", seed="demo") for n in range(2)]
    produce(topics, alerts)
    out = io.StringIO()
    result = run_demo_delivery(topics, console=Console(file=out, width=120), timeout_s=120)

    directory = yaml.safe_load(result.directory_file.read_text())
    urls = {c["url"] for p in directory["panels"] for c in p["channels"] if c["kind"] == "webhook"}
    assert urls == {result.webhook_url}
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/hooks/alerts", result.webhook_url)

    assert result.webhook_documents == len(alerts)
    saved = [json.loads(p.read_text()) for p in Path(result.webhook_dir).glob("*.json")]
    assert {d["alert_id"] for d in saved} == {a["alert_id"] for a in alerts}
    assert result.emails == 3 + 2  # engage and ed-navigators have an email channel
    assert result.outcomes[("iom", "webhook", "delivered")] == 4
    assert result.outcomes[("engage", "email", "delivered")] == 3
    assert result.outcomes[("ed-navigators", "email", "delivered")] == 2
    assert not any(outcome == "dead_lettered" for _, _, outcome in result.outcomes)
    if result.inbox is not None:  # once hub.inbox is installed, the inbox gets them too
        assert result.outcomes[("iom", "inbox", "delivered")] == 4
    printed = out.getvalue()
    assert "Delivery to the panels" in printed
    assert f"{len(alerts)} signed documents" in printed
