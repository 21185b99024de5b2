"""The panel directory: validation, template ids, and agreement with routing."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hub.cli.main import app
from hub.cli.panels import unlisted_panels
from hub.errors import ConfigurationError
from hub.panels.directory import DEFAULT_DIRECTORY, load_directory
from hub.routing.config import load_routing


def _write(tmp_path: Path, panels: list[dict[str, object]]) -> Path:
    path = tmp_path / "panels.yaml"
    path.write_text(yaml.safe_dump({"panels": panels}))
    return path


def test_default_directory_covers_every_routed_panel() -> None:
    directory = load_directory()
    assert unlisted_panels(directory, load_routing()) == []
    engage = directory.panel("engage-E01900007")
    assert engage is not None
    assert engage.id == "engage-{area}"
    assert directory.panel("iom") is not None
    assert directory.panel("engage-") is None


def test_a_routed_panel_without_entry_is_reported(tmp_path: Path) -> None:
    only_iom = _write(tmp_path, [{"id": "iom", "name": "IOM", "channels": [{"kind": "inbox"}]}])
    missing = unlisted_panels(load_directory(only_iom), load_routing())
    assert "engage-{area}" in missing
    assert "iom" not in missing


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"id": "nobody", "name": "x", "channels": [{"kind": "inbox"}]}, "not in any panel family"),
        ({"id": "iom", "name": "x", "channels": []}, "channels"),
        (
            {
                "id": "iom",
                "name": "x",
                "channels": [{"kind": "webhook", "url": "http://h/x", "secret_env": "S"}],
            },
            "must be https",
        ),
        (
            {
                "id": "iom",
                "name": "x",
                "channels": [{"kind": "inbox"}],
                "members": [{"username": "a.b", "name": "A", "email": "not-an-address"}],
            },
            "members.0.email",
        ),
        (
            {
                "id": "iom",
                "name": "x",
                "channels": [{"kind": "inbox"}],
                "members": [
                    {
                        "username": "a.b",
                        "name": "A",
                        "email": "a@example.org",
                        "roles": ["superuser"],
                    }
                ],
            },
            "members.0.roles",
        ),
    ],
)
def test_bad_entries_say_what_and_where(
    tmp_path: Path, entry: dict[str, object], problem: str
) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        load_directory(_write(tmp_path, [entry]))


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    entry = {"id": "iom", "name": "x", "channels": [{"kind": "inbox"}]}
    with pytest.raises(ConfigurationError, match="appear twice: iom"):
        load_directory(_write(tmp_path, [entry, entry]))


def test_webhook_secret_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    iom = load_directory().panel("iom")
    assert iom is not None
    webhook = iom.channel("webhook")
    assert webhook is not None
    assert webhook.kind == "webhook"
    monkeypatch.delenv(webhook.secret_env, raising=False)
    with pytest.raises(ConfigurationError, match=webhook.secret_env):
        webhook.secret()
    monkeypatch.setenv(webhook.secret_env, "s3cret")
    assert webhook.secret() == b"s3cret"


def test_panels_check_command(tmp_path: Path) -> None:
    ok = CliRunner().invoke(app, ["panels", "check"])
    assert ok.exit_code == 0, ok.output
    assert "every routed panel listed: valid" in ok.output
    only_iom = _write(tmp_path, [{"id": "iom", "name": "IOM", "channels": [{"kind": "inbox"}]}])
    bad = CliRunner().invoke(app, ["panels", "check", "--directory", str(only_iom)])
    assert bad.exit_code == 1
    assert "have no entry" in bad.output
    assert DEFAULT_DIRECTORY.is_file()
