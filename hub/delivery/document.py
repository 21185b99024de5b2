"""The alert document: the one JSON shape a panel receives (webhook body, inbox record).

Built only here, from a decoded ``PanelAlert``, so the webhook, the inbox and the JSON Schema
(``schemas/json/alert-document.schema.json``) cannot drift apart. Bytes of the sealed identity
travel as base64; dates as ISO-8601; nothing is added that the alert did not carry.
"""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime
from typing import Any

from hub.errors import SerializationError
from hub.routing.config import family_of
from privacy.seal import SealedIdentity

SCHEMA = "csp-hub.alert-document/1"
_BINARY = ("enc", "batch_signature", "ciphertext")
_SEALED_FIELDS = (
    "recipient",
    "signer",
    "key_version",
    "batch_id",
    "enc",
    "batch_signature",
    "seq",
    "ciphertext",
)


def _iso_utc(value: Any) -> str:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, int | float):  # timestamp-millis read without logical types
        return _iso_utc(datetime.fromtimestamp(value / 1000, UTC))
    raise SerializationError(f"created_at: not a timestamp ({type(value).__name__})")


def _day(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return date.fromisoformat(value).isoformat()
    raise SerializationError(f"evidence.occurred_on: not a date ({type(value).__name__})")


def _sealed(sealed: dict[str, Any] | None) -> dict[str, Any] | None:
    if sealed is None:
        return None
    out: dict[str, Any] = {}
    for name in _SEALED_FIELDS:
        value = sealed[name]
        out[name] = base64.b64encode(value).decode() if name in _BINARY else value
    return out


def alert_document(record: dict[str, Any]) -> dict[str, Any]:
    """A decoded PanelAlert as the JSON-safe alert document (docs/delivery.md)."""
    try:
        panel = record["panel"]
        family = family_of(panel)
        if family is None:
            raise SerializationError(f"panel: {panel!r} is not in any panel family")
        return {
            "schema": SCHEMA,
            "alert_id": record["alert_id"],
            "panel": panel,
            "panel_family": family,
            "person_id": record["person_id"],
            "rules": list(record["rules"]),
            "created_at": _iso_utc(record["created_at"]),
            "evidence": [
                {
                    "event_id": e["event_id"],
                    "partner": e["partner"],
                    "occurred_on": _day(e["occurred_on"]),
                    "category": e.get("category"),
                    "source_record_ref": e["source_record_ref"],
                }
                for e in record["evidence"]
            ],
            "fields": {str(k): str(v) for k, v in record["fields"].items()},
            "sealed": _sealed(record.get("sealed")),
        }
    except KeyError as exc:
        raise SerializationError(f"PanelAlert: missing field {exc.args[0]}") from exc


def sealed_from_document(document: dict[str, Any]) -> SealedIdentity | None:
    """The document's sealed identity, ready for ``privacy.seal.Opener.open``.

    It is bound to one evidence event id: try the evidence event ids newest first.
    """
    sealed = document.get("sealed")
    if sealed is None:
        return None
    return SealedIdentity.from_dict(
        {k: base64.b64decode(v) if k in _BINARY else v for k, v in sealed.items()}
    )


def created_at(document: dict[str, Any]) -> datetime:
    """The alert's creation time, for latency and age metrics."""
    return datetime.fromisoformat(document["created_at"].replace("Z", "+00:00"))
