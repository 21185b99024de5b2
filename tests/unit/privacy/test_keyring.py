"""Key files by role: generated, loaded, rotated; secrets never shown."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from privacy.errors import KeyRingError
from privacy.keyring import (
    load_linkage,
    load_recipient_private,
    load_recipient_public,
    load_signing,
    load_verify_keys,
    retire_linkage_versions,
    rotate_linkage_key,
)


def test_generated_files_load_by_role_and_secrets_are_private(key_dir: Path) -> None:
    linkage = load_linkage(key_dir / "linkage.json")
    assert linkage.versions() == (1,)
    assert load_signing(key_dir / "signing-police.json").partner == "police"
    assert load_recipient_public(key_dir / "recipient-panels.public.json").recipient == "panels"
    assert load_recipient_private(key_dir / "recipient-panels.private.json").version == 1
    assert set(load_verify_keys(key_dir / "partners.public.json")) == {"police", "ed"}
    for secret in ("linkage.json", "signing-police.json", "recipient-panels.private.json"):
        assert stat.S_IMODE((key_dir / secret).stat().st_mode) == 0o600


def test_secrets_never_appear_in_repr_or_str(key_dir: Path) -> None:
    linkage = load_linkage(key_dir / "linkage.json")
    raw = json.loads((key_dir / "linkage.json").read_text())["keys"]["1"]
    shown = repr(linkage) + str(linkage) + repr(load_signing(key_dir / "signing-police.json"))
    assert raw not in shown
    assert "***" in shown


def test_rotation_keeps_the_old_version_accepted_until_retired(key_dir: Path) -> None:
    path = key_dir / "linkage.json"
    assert rotate_linkage_key(path) == 2
    assert load_linkage(path).versions() == (2, 1)
    retire_linkage_versions(path)
    assert load_linkage(path).versions() == (2,)


def test_key_ring_from_an_environment_variable(
    key_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_TEST_LINKAGE", (key_dir / "linkage.json").read_text())
    assert load_linkage("env:HUB_TEST_LINKAGE").current == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('{"kind": "hub.signing"}', "is not a hub.linkage key file"),
        ('{"kind": "hub.linkage", "current": 1, "keys": {"1": "c2hvcnQ="}}', "32 bytes"),
        ('{"kind": "hub.linkage", "current": 2, "keys": {"1": "' + "A" * 43 + '="}}', "version 2"),
    ],
)
def test_broken_key_files_are_explained(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "linkage.json"
    path.write_text(content)
    with pytest.raises(KeyRingError, match=message):
        load_linkage(path)


def test_missing_file_and_variable_are_explained(tmp_path: Path) -> None:
    with pytest.raises(KeyRingError, match="does not exist"):
        load_linkage(tmp_path / "nope.json")
    with pytest.raises(KeyRingError, match="NOPE_NOT_SET is not set"):
        load_linkage("env:NOPE_NOT_SET")
