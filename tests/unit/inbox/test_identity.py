"""The identity service: opens with the panel's recipient key, trying evidence newest first;
refuses what was sealed elsewhere, moved to other evidence or tampered with."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from hub.inbox.errors import InboxError
from hub.inbox.identity import IdentityService, newest_first
from tests.unit.inbox.factory import document


def test_opens_trying_the_newest_evidence_first(keys_dir: Path) -> None:
    doc = document("iom", keys_dir=keys_dir, name=("Sam", "Newest"))
    ids = [e["event_id"] for e in doc["evidence"]]
    assert newest_first(doc) == [ids[2], ids[1], ids[0]]
    opened = IdentityService(keys_dir).open(doc, "panels")
    assert (opened["given_name"], opened["family_name"]) == ("Sam", "Newest")


def test_url_safe_base64_is_accepted(keys_dir: Path) -> None:
    doc = document("iom", keys_dir=keys_dir)
    for field in ("enc", "batch_signature", "ciphertext"):
        raw = base64.b64decode(doc["sealed"][field])
        doc["sealed"][field] = base64.urlsafe_b64encode(raw).decode()
    assert IdentityService(keys_dir).open(doc, "panels")["given_name"] == "Jordan"


def test_refuses_another_recipient_moved_evidence_tampering_and_no_seal(keys_dir: Path) -> None:
    service = IdentityService(keys_dir)
    doc = document("iom", keys_dir=keys_dir)
    with pytest.raises(InboxError, match="not this panel's 'other'"):
        service.open(doc, "other")
    moved = dict(doc, evidence=[dict(e, event_id=e["event_id"] + "x") for e in doc["evidence"]])
    with pytest.raises(InboxError, match="does not open"):
        service.open(moved, "panels")
    tampered = dict(doc, sealed=dict(doc["sealed"]))
    raw = bytearray(base64.b64decode(tampered["sealed"]["ciphertext"]))
    raw[0] ^= 1
    tampered["sealed"]["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(InboxError, match="does not open"):
        service.open(tampered, "panels")
    with pytest.raises(InboxError, match="no sealed identity"):
        service.open(document("iom"), "panels")
    with pytest.raises(InboxError, match="malformed"):
        service.open(dict(doc, sealed={"recipient": "panels"}), "panels")


def test_a_missing_key_is_an_error_not_a_crash(tmp_path: Path, keys_dir: Path) -> None:
    doc = document("iom", keys_dir=keys_dir)
    with pytest.raises(InboxError, match="no key"):
        IdentityService(tmp_path / "empty").open(doc, "panels")
