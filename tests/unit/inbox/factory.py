"""Alert documents built by hand, per docs/alert contract (the real builder is the delivery
service's ``hub/delivery/document.py``; the inbox must not depend on it), with identities
sealed by the project's own ``privacy.seal.Sealer`` under freshly generated keys."""

from __future__ import annotations

import base64
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from privacy.keyring import generate_partnership, load_recipient_public, load_signing
from privacy.seal import SealedIdentity, Sealer

PARTNERS = ["police", "ed", "prison", "school", "yjs"]


def make_keys(keys_dir: Path) -> Path:
    generate_partnership(keys_dir, PARTNERS, ["panels"])
    return keys_dir


def sealed_json(sealed: SealedIdentity) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in sealed.to_dict().items():
        out[name] = base64.b64encode(value).decode() if isinstance(value, bytes) else value
    return out


def seal(keys_dir: Path, partner: str, event_id: str, identity: dict[str, Any]) -> dict[str, Any]:
    sealer = Sealer(
        load_recipient_public(keys_dir / "recipient-panels.public.json"),
        load_signing(keys_dir / f"signing-{partner}.json"),
    )
    return sealed_json(sealer.seal(event_id, identity))


def document(
    panel: str,
    *,
    keys_dir: Path | None = None,
    person_id: str | None = None,
    rules: list[str] | None = None,
    name: tuple[str, str] = ("Jordan", "Example"),
    created_at: datetime | None = None,
    area: str = "E01900012",
    alert_id: str | None = None,
) -> dict[str, Any]:
    """A document of exactly the contract's shape, with three evidence events; the identity
    is sealed to the newest one that carried it (the middle one, as the contract allows)."""
    created = created_at or datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    events = [f"ev-{uuid.uuid4().hex[:12]}" for _ in range(3)]
    evidence = [
        {
            "event_id": events[0],
            "partner": "police",
            "occurred_on": (created - timedelta(days=90)).date().isoformat(),
            "category": "assault_with_injury",
            "source_record_ref": "CR-0001",
        },
        {
            "event_id": events[1],
            "partner": "ed",
            "occurred_on": (created - timedelta(days=30)).date().isoformat(),
            "category": "assault_attendance",
            "source_record_ref": "ED-0042",
        },
        {
            "event_id": events[2],
            "partner": "school",
            "occurred_on": (created - timedelta(days=2)).date().isoformat(),
            "category": None,
            "source_record_ref": "EX-0007",
        },
    ]
    sealed = None
    if keys_dir is not None:
        identity = {
            "given_name": name[0],
            "family_name": name[1],
            "date_of_birth": "2010-04-01",
            "sex": "M",
            "address": "1 Example Street",
            "postcode": "ZZ1 1ZZ",
            "identifiers": {},
            "partner": "ed",
            "record_ref": "ED-0042",
        }
        sealed = seal(keys_dir, "ed", events[1], identity)
    return {
        "schema": "csp-hub.alert-document/1",
        "alert_id": alert_id or f"a-{uuid.uuid4().hex[:16]}",
        "panel": panel,
        "panel_family": panel.split("-E")[0] if panel.startswith("engage-") else panel,
        "person_id": person_id or f"p-{uuid.uuid4().hex[:12]}",
        "rules": rules or ["repeat_victim"],
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "evidence": evidence,
        "fields": {"area": area, "age_band": "14-17", "policy_version": "2026.1"},
        "sealed": sealed,
    }
