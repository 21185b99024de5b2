"""`hub inbox user add|code`, `hub inbox import` and the directory check on enrolment."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hub.cli.main import app
from hub.inbox.store import InboxStore
from tests.unit.inbox.factory import document


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_user_add_prints_the_secret_once_and_code_matches(tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text("a long enough passphrase\n")
    runner = CliRunner()
    args = ["inbox", "user", "add", "iom.lead", "--password-file", str(secret_file)]
    added = runner.invoke(app, [*args, "--db", _url(tmp_path)])
    assert added.exit_code == 0, added.output
    assert "otpauth://totp/" in added.output
    again = runner.invoke(app, [*args, "--db", _url(tmp_path)])
    assert again.exit_code == 1
    assert "already exists" in again.output
    code = runner.invoke(app, ["inbox", "user", "code", "iom.lead", "--db", _url(tmp_path)])
    assert code.exit_code == 0
    assert code.output.strip().isdigit()
    assert len(code.output.strip()) == 6


def test_user_add_refuses_someone_not_in_the_directory(tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text("a long enough passphrase")
    db = _url(tmp_path)
    result = CliRunner().invoke(
        app,
        ["inbox", "user", "add", "mallory", "--password-file", str(secret_file), "--db", db],
    )
    assert result.exit_code == 1
    assert "not a member of any panel" in result.output


def test_user_add_refuses_a_short_password(tmp_path: Path) -> None:
    secret_file = tmp_path / "pw"
    secret_file.write_text("short")
    db = _url(tmp_path)
    result = CliRunner().invoke(
        app,
        ["inbox", "user", "add", "iom.lead", "--password-file", str(secret_file), "--db", db],
    )
    assert result.exit_code == 1
    assert "at least 12" in result.output


def test_import_is_idempotent_and_names_bad_lines(tmp_path: Path) -> None:
    good = document("iom")
    bad = dict(document("iom"), rules="not a list")
    source = tmp_path / "alerts.jsonl"
    source.write_text("\n".join([json.dumps(good), json.dumps(bad), "{not json"]) + "\n")
    runner = CliRunner()
    first = runner.invoke(app, ["inbox", "import", str(source), "--db", _url(tmp_path)])
    assert first.exit_code == 1
    assert "1 alerts added, 0 already stored, 2 refused" in first.output
    assert "alerts.jsonl:2: refused: rules" in first.output
    source.write_text(json.dumps(good) + "\n")
    second = runner.invoke(app, ["inbox", "import", str(source), "--db", _url(tmp_path)])
    assert second.exit_code == 0
    assert "0 alerts added, 1 already stored" in second.output
    store = InboxStore.open(_url(tmp_path))
    try:
        assert [a.alert_id for a in store.list_alerts(lambda _p: True)] == [good["alert_id"]]
    finally:
        store.close()
