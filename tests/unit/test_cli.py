"""The `hub` command line: help, configuration display, readable errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("HUB_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HUB_BROKER__DATA_DIR", str(tmp_path / "kafka"))


def test_help_lists_the_command_groups() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("kafka", "topics", "config", "demo"):
        assert group in result.output


def test_config_show_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_KAFKA__SASL_PASSWORD", "s3cret-not-real")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 0
    shown = json.loads(result.output)
    assert shown["kafka"]["sasl_password"] == "**********"
    assert "s3cret-not-real" not in result.output


def test_status_of_a_stopped_broker_exits_3() -> None:
    result = runner.invoke(app, ["kafka", "status"])
    assert result.exit_code == 3
    assert "down" in result.output


def test_invalid_configuration_is_one_readable_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_BROKER__PORT", "not-a-port")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 1
    assert "broker.port" in result.output
    assert "Traceback" not in result.output


def test_topics_list_from_the_catalogue_needs_no_broker() -> None:
    result = runner.invoke(app, ["topics", "list", "--catalogue"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "src.police" in result.output
    assert "alerts.engage" in result.output


def test_topics_apply_without_a_broker_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_KAFKA__BOOTSTRAP_SERVERS", "127.0.0.1:1")
    monkeypatch.setenv("HUB_KAFKA__REQUEST_TIMEOUT_S", "2")
    result = runner.invoke(app, ["topics", "apply"])
    assert result.exit_code == 1
    assert "cannot reach Kafka" in result.output


def test_connector_run_for_an_unknown_partner_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["connector", "run", "fire", "-i", str(tmp_path)])
    assert result.exit_code == 1
    assert "unknown partner 'fire'" in result.output


def test_connector_dry_run_without_keys_says_how_to_make_them(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["connector", "run", "police", "-i", str(tmp_path), "--dry-run"],
        env={"HUB_CONNECTOR__KEYS_DIR": str(tmp_path / "none")},
    )
    assert result.exit_code == 1
    assert "hub keys generate" in result.output


def test_policy_check_lists_every_rule() -> None:
    result = runner.invoke(app, ["policy", "check"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for rule in ("repeat_victim", "repeat_suspect", "prison_release", "several_agencies"):
        assert rule in result.output


def test_policy_check_names_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "policy.yaml"
    broken.write_text("version: 1\nrules: [{id: x, kind: nope, description: d}]\n")
    result = runner.invoke(app, ["policy", "check"], env={"HUB_RULES__POLICY_FILE": str(broken)})
    assert result.exit_code == 1
    assert "rule x.kind" in result.output


def test_evaluate_without_a_synthetic_partnership_says_what_to_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["evaluate", "--synth", str(tmp_path)])
    assert result.exit_code == 1
    assert "hub synth" in result.output
