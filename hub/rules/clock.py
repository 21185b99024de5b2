"""Time-based rules against the clock, for a person no new event has arrived for.

Two rules look ahead: an approaching 18th birthday of someone known to Youth Justice or
safeguarding services, and a scheduled release from custody of someone with a violent
history. Evaluated when an event arrives (hub.rules.engine), they miss a person whose date
comes up while nothing new is heard of them, or whose history arrived after the scheduled
release. The worker's periodic sweep asks this module, with today's date from an injectable
clock. Flag ids are the engine's (a hash of rule, person and evidence), so a sweep that
finds what an event already raised gives the same id.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from hub.rules.engine import Flag, flag_for, prison_release
from hub.rules.policy import Policy, Rule
from hub.rules.timeline import Entry, day


def _eighteenth(timeline: list[Entry]) -> date | None:
    for item in reversed(timeline):
        if item.get("birth_month"):
            year, month = map(int, item["birth_month"].split("-"))
            return date(year + 18, month, 1)  # the conservative 18th birthday (engine.py)
    return None


def adulthood_due(rule: Rule, timeline: list[Entry], today: date) -> Iterator[list[Entry]]:
    eighteenth = _eighteenth(timeline)
    if eighteenth is None or not 0 <= (eighteenth - today).days <= rule.lead_days:
        return
    known = [
        e
        for e in timeline
        if (e["kind"].startswith("yjs.") or e.get("open_to_statutory_services"))
        and 0 <= (today - day(e)).days <= rule.window_days
    ]
    if known:
        yield [known[-1]]


def release_due(rule: Rule, timeline: list[Entry], today: date) -> Iterator[list[Entry]]:
    for item in timeline:
        if item["kind"] != "prison.release_scheduled" or not item.get("release_date"):
            continue
        if 0 <= (day(item, "release_date") - today).days <= rule.lead_days:
            yield from prison_release(rule, timeline, item)


def due(policy: Policy, person_id: str, timeline: list[Entry], today: date) -> list[Flag]:
    """Flags the clock makes true today for this person."""
    flags: dict[str, Flag] = {}
    for rule in policy.rules:
        if not rule.enabled:
            continue
        if rule.kind == "transition_to_adulthood":
            found = adulthood_due(rule, timeline, today)
        elif rule.kind == "prison_release":
            found = release_due(rule, timeline, today)
        else:
            continue
        for evidence in found:
            flag = flag_for(policy, rule, person_id, evidence)
            flags[flag["flag_id"]] = flag
    return list(flags.values())
