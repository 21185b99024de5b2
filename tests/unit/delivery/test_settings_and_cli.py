"""Delivery settings, the channel check at start-up, and `hub deliver receipts`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli.main import app
from hub.config import load_settings, masked_dump
from hub.delivery.ledger import Ledger
from hub.delivery.service import check_channels
from hub.errors import ConfigurationError
from hub.panels.directory import load_directory


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("HUB_"):
            monkeypatch.delenv(key)


def test_delivery_defaults_and_derived_paths(tmp_path: Path) -> None:
    settings = load_settings(state_dir=tmp_path)
    assert settings.delivery.metrics_port == 9111
    assert settings.ledger_file == tmp_path / "delivery" / "ledger.sqlite"
    assert settings.inbox_database_url == f"sqlite:///{tmp_path / 'inbox.db'}"
    assert settings.panels.directory_file is None
    assert settings.delivery.disabled_channels == frozenset()


def test_delivery_settings_from_the_environment_and_masked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_DELIVERY__SMTP_USER", "hub")
    monkeypatch.setenv("HUB_DELIVERY__SMTP_PASSWORD", "smtp-password-not-real")
    monkeypatch.setenv("HUB_DELIVERY__DISABLED_CHANNELS", '["email"]')
    monkeypatch.setenv("HUB_PANELS__DIRECTORY_FILE", "/etc/hub/panels.yaml")
    settings = load_settings()
    assert settings.delivery.disabled_channels == frozenset({"email"})
    assert settings.panels.directory_file == Path("/etc/hub/panels.yaml")
    dumped = masked_dump(settings)
    assert dumped["delivery"]["smtp_password"] == "**********"
    assert "smtp-password-not-real" not in str(dumped) + repr(settings)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"delivery": {"smtp_user": "hub"}}, "go together"),
        ({"delivery": {"disabled_channels": ["pigeon"]}}, "disabled_channels"),
        ({"delivery": {"inbox_url": "inbox.example"}}, "inbox_url"),
        ({"delivery": {"max_attempts": 0}}, "max_attempts"),
    ],
)
def test_bad_delivery_settings_name_the_setting(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings(**overrides)


def test_an_enabled_channel_without_a_sender_refuses_to_start() -> None:
    directory = load_directory()  # the default directory has inbox channels
    settings = load_settings()
    with pytest.raises(ConfigurationError, match="inbox channel but no inbox sender"):
        check_channels(directory, settings, {"webhook": object(), "email": object()})  # type: ignore[dict-item]
    without_inbox = load_settings(delivery={"disabled_channels": ["inbox"]})
    check_channels(directory, without_inbox, {"webhook": object(), "email": object()})  # type: ignore[dict-item]


def test_receipts_lists_the_ledger(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "delivery" / "ledger.sqlite")
    ledger.start("alert-one", "iom", "webhook")
    ledger.finish("alert-one", "iom", "webhook", "delivered", 202, None, attempted=True)
    ledger.start("alert-two", "shift", "email")
    ledger.attempt("alert-two", "shift", "email", "SMTP 550: no such mailbox")
    ledger.finish("alert-two", "shift", "email", "dead_lettered", 550, "SMTP 550")
    ledger.close()
    runner = CliRunner()
    result = runner.invoke(
        app, ["deliver", "receipts"], env={"HUB_STATE_DIR": str(tmp_path), "COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "alert-one" in result.output
    assert "dead_lettered" in result.output
    assert "1 dead_lettered, 1 delivered" in result.output
    empty = runner.invoke(app, ["deliver", "receipts"], env={"HUB_STATE_DIR": str(tmp_path / "x")})
    assert empty.exit_code == 1
    assert "no delivery ledger" in empty.output
