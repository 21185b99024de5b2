"""Synthetic panel alerts for delivery's tests and benchmark: made here, never real data.

They have the shape the worker writes (hub/streams/worker.py): a PanelAlert record encoded
with the codec, with CloudEvents headers, keyed by person.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.contracts.codec import Codec
from hub.contracts.envelope import CloudEvent, event_type
from hub.contracts.registry import load_registry


def _hex(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def synthetic_alert(
    n: int,
    panel: str,
    *,
    created_at: datetime | None = None,
    sealed: dict[str, Any] | None = None,
    seed: str = "delivery",
) -> dict[str, Any]:
    """Alert number ``n`` for ``panel``: a decoded-PanelAlert-shaped record."""
    day = date(2026, 1, 1) + timedelta(days=n % 300)
    return {
        "alert_id": _hex(seed, "alert", panel, n)[:32],
        "panel": panel,
        "person_id": "p-" + _hex(seed, "person", n)[:20],
        "rules": ["repeat_victim"] if n % 2 else ["repeat_victim", "multi_agency"],
        "evidence": [
            {
                "event_id": _hex(seed, "event", n, k)[:36],
                "partner": ("police", "ed", "school")[k % 3],
                "occurred_on": day - timedelta(days=30 * k),
                "category": ("violence_with_injury", None, "exclusion")[k % 3],
                "source_record_ref": "r-" + _hex(seed, "ref", n, k)[:16],
            }
            for k in range(2)
        ],
        "fields": {"age_band": "14-17", "area": "E01900012"},
        "sealed": sealed,
        "created_at": created_at or datetime.now(UTC),
    }


def encoded(
    record: dict[str, Any], codec: Codec | None = None
) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) as the worker sends a PanelAlert."""
    codec = codec or Codec()
    spec = load_registry().get("PanelAlert")
    headers = CloudEvent(
        record["alert_id"],
        "/csp/hub/worker",
        event_type("PanelAlert", spec.version),
        datetime.now(UTC),
        spec.fingerprint.hex(),
    ).headers()
    return record["person_id"].encode(), codec.encode("PanelAlert", record), headers
