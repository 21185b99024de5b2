"""Sealed identities open only for the right event, recipient and signer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from privacy.errors import SealError
from privacy.keyring import (
    generate_partnership,
    load_recipient_private,
    load_recipient_public,
    load_signing,
    load_verify_keys,
)
from privacy.seal import Opener, SealedIdentity, Sealer

IDENTITY = {"given_name": "Ann", "family_name": "Lee", "date_of_birth": "2006-04-09"}


@pytest.fixture
def pair(key_dir: Path) -> tuple[Sealer, Opener]:
    sealer = Sealer(
        load_recipient_public(key_dir / "recipient-panels.public.json"),
        load_signing(key_dir / "signing-police.json"),
        batch_size=3,
    )
    opener = Opener(
        load_recipient_private(key_dir / "recipient-panels.private.json"),
        load_verify_keys(key_dir / "partners.public.json"),
    )
    return sealer, opener


def test_round_trip_across_batches(pair: tuple[Sealer, Opener]) -> None:
    sealer, opener = pair
    sealed = [sealer.seal(f"ev-{i}", {**IDENTITY, "n": i}) for i in range(7)]
    assert len({s.batch_id for s in sealed}) == 3  # a new context every 3 records
    assert [opener.open(s, f"ev-{i}")["n"] for i, s in enumerate(sealed)] == list(range(7))
    assert SealedIdentity.from_dict(sealed[0].to_dict()) == sealed[0]


def test_moved_to_another_event_it_does_not_open(pair: tuple[Sealer, Opener]) -> None:
    sealer, opener = pair
    with pytest.raises(SealError, match="does not open"):
        opener.open(sealer.seal("ev-1", IDENTITY), "ev-2")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ciphertext": b"\x00" * 40}, "does not open"),
        ({"seq": 1}, "does not open"),
        ({"signer": "ed"}, "signature does not verify"),
        ({"signer": "prison"}, "unknown signer"),
        ({"batch_signature": b"\x00" * 64}, "signature does not verify"),
        ({"recipient": "other"}, "not this key"),
    ],
)
def test_tampering_is_refused(
    pair: tuple[Sealer, Opener], change: dict[str, object], message: str
) -> None:
    sealer, opener = pair
    sealed = replace(sealer.seal("ev-1", IDENTITY), **change)  # type: ignore[arg-type]
    with pytest.raises(SealError, match=message):
        opener.open(sealed, "ev-1")


def test_another_partnerships_key_cannot_open(pair: tuple[Sealer, Opener], tmp_path: Path) -> None:
    sealer, _ = pair
    generate_partnership(tmp_path / "other", ["police"], ["panels"])
    stranger = Opener(
        load_recipient_private(tmp_path / "other/recipient-panels.private.json"),
        load_verify_keys(tmp_path / "other/partners.public.json"),
    )
    with pytest.raises(SealError):
        stranger.open(sealer.seal("ev-1", IDENTITY), "ev-1")
