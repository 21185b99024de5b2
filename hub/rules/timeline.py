"""A person's timeline: their linked events in event-time order, kept as JSON-ready dicts.

Events can arrive twice (at-least-once upstream) and out of order (partners export on their
own schedules), so entries are deduplicated by event id and kept sorted by event date; entries
older than the policy's longest window, counted back from the newest, are trimmed.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, timedelta
from functools import lru_cache
from operator import itemgetter
from typing import Any

Entry = dict[str, Any]


def entry(
    event_id: str,
    partner: str,
    source_record_ref: str,
    facts: dict[str, Any],
    sealed: dict[str, Any] | None = None,
) -> Entry:
    """A timeline entry; ``sealed`` (the event's sealed identity) is kept for panel alerts."""
    out = {
        "event_id": event_id,
        "partner": partner,
        "source_record_ref": source_record_ref,
        **facts,
        "sealed": _jsonable(sealed),
    }
    for key in ("occurred_on", "release_date"):
        if isinstance(out.get(key), date):
            out[key] = out[key].isoformat()
    return out


def _jsonable(sealed: dict[str, Any] | None) -> dict[str, Any] | None:
    if sealed is None:
        return None
    # binascii directly: what base64.b64encode does, without its Python-level call per field.
    return {
        k: _b64(v, newline=False).decode() if isinstance(v, bytes) else v for k, v in sealed.items()
    }


def sealed_of(entry_: Entry) -> dict[str, Any] | None:
    """The entry's sealed identity with its bytes restored, ready to encode."""
    sealed = entry_.get("sealed")
    if not sealed:
        return None
    binary = ("enc", "batch_signature", "ciphertext")
    return {k: base64.b64decode(v) if k in binary else v for k, v in sealed.items()}


def latest_sealed(timeline: list[Entry], event_ids: set[str]) -> dict[str, Any] | None:
    """The most recent sealed identity among the given events: the person's current one."""
    for item in reversed(timeline):
        if item["event_id"] in event_ids and item.get("sealed"):
            return sealed_of(item)
    return None


_b64 = binascii.b2a_base64
_parse_day = lru_cache(maxsize=8192)(date.fromisoformat)  # rules parse the same dates often


def _day_number(value: str) -> int:
    return date.fromisoformat(value).toordinal()


#: An ISO date's day number (``date.toordinal``): day differences as plain ints, no timedelta.
day_number = lru_cache(maxsize=8192)(_day_number)
#: Timeline order: event date, then event id.
order = itemgetter("occurred_on", "event_id")


def day(value: Entry, key: str = "occurred_on") -> date:
    return _parse_day(value[key])


def add(timeline: list[Entry], new: Entry, keep_days: int) -> tuple[list[Entry], bool]:
    """(new timeline, whether the entry was new).

    A new version of a record already on the timeline (same partner and source record: a
    crime updated with its outcome) replaces the old entry and is not new: two versions of one
    record are one event, never a repeat of it.
    """
    if any(e["event_id"] == new["event_id"] for e in timeline):
        return timeline, False
    same = [
        i
        for i, e in enumerate(timeline)
        if e["partner"] == new["partner"] and e["source_record_ref"] == new["source_record_ref"]
    ]
    if same:
        updated = [*timeline[: same[0]], new, *timeline[same[0] + 1 :]]
        return sorted(updated, key=order), False
    merged = sorted([*timeline, new], key=order)
    horizon = (day(merged[-1]) - timedelta(days=keep_days)).isoformat()
    return [e for e in merged if e["occurred_on"] >= horizon], True


def merge(keep: list[Entry], other: list[Entry], keep_days: int) -> list[Entry]:
    """Two people proved to be one: one timeline with both sets of events."""
    for item in other:
        keep, _ = add(keep, item, keep_days)
    return keep
