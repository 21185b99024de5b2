"""A person's timeline: their linked events in event-time order, kept as JSON-ready dicts.

Events can arrive twice (at-least-once upstream) and out of order (partners export on their
own schedules), so entries are deduplicated by event id and kept sorted by event date; entries
older than the policy's longest window, counted back from the newest, are trimmed.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

Entry = dict[str, Any]


def entry(event_id: str, partner: str, source_record_ref: str, facts: dict[str, Any]) -> Entry:
    out = {
        "event_id": event_id,
        "partner": partner,
        "source_record_ref": source_record_ref,
        **facts,
    }
    for key in ("occurred_on", "release_date"):
        if isinstance(out.get(key), date):
            out[key] = out[key].isoformat()
    return out


def day(value: Entry, key: str = "occurred_on") -> date:
    return date.fromisoformat(value[key])


def add(timeline: list[Entry], new: Entry, keep_days: int) -> tuple[list[Entry], bool]:
    """(new timeline, whether the entry was new)."""
    if any(e["event_id"] == new["event_id"] for e in timeline):
        return timeline, False
    merged = sorted([*timeline, new], key=lambda e: (e["occurred_on"], e["event_id"]))
    horizon = (day(merged[-1]) - timedelta(days=keep_days)).isoformat()
    return [e for e in merged if e["occurred_on"] >= horizon], True


def merge(keep: list[Entry], other: list[Entry], keep_days: int) -> list[Entry]:
    """Two people proved to be one: one timeline with both sets of events."""
    for item in other:
        keep, _ = add(keep, item, keep_days)
    return keep
