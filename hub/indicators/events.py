"""A linked event reduced to what the indicators count, and the de-duplication they need.

Linked events arrive at least once and a police record can come again as a new version (an
outcome update): an event is counted once per (partner, source record). Person ids follow
merges, so a person proved later to be someone already known is one person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class IndicatorEvent:
    """One person's part in one source record: pseudonymous, never identifying."""

    person_id: str
    partner: str
    record: str  # the source record token: one count per record, whatever its versions
    kind: str
    occurred_on: date
    role: str | None
    category: str | None
    sex: str | None
    age: int | None
    home_area: str | None
    location_area: str | None
    crime_ref: str | None


def from_linked(value: dict[str, Any]) -> IndicatorEvent:
    """From a decoded ``LinkedEvent`` (older versions lack sex, crime and location)."""
    facts = value["facts"]
    return IndicatorEvent(
        person_id=value["person_id"],
        partner=value["partner"],
        record=value["source_record_ref"],
        kind=facts["kind"],
        occurred_on=facts["occurred_on"],
        role=facts.get("role"),
        category=facts.get("category"),
        sex=facts.get("sex"),
        age=facts.get("age_at_event"),
        home_area=facts.get("area"),
        location_area=facts.get("location_area"),
        crime_ref=facts.get("crime_ref"),
    )


def deduplicated(
    events: Iterable[IndicatorEvent], resolve: Callable[[str], str] | None = None
) -> list[IndicatorEvent]:
    """One event per (partner, record), the earliest seen; person ids resolved through merges."""
    seen: set[tuple[str, str]] = set()
    out = []
    for event in events:
        key = (event.partner, event.record)
        if key in seen:
            continue
        seen.add(key)
        if resolve is not None:
            event = replace(event, person_id=resolve(event.person_id))
        out.append(event)
    return out
