"""Evaluate the policy's rules when an event joins a person's timeline.

Every flag carries the events that made it true. A flag's id is a hash of (rule, person,
evidence), so redelivery or re-evaluation gives the same id and downstream deduplicates.
Pair rules look both ways from the new event, so an event that arrives late still completes
its pair.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from hub.rules.facts import SERIOUS_VIOLENCE, VICTIM_VIOLENCE
from hub.rules.policy import Policy, Rule
from hub.rules.timeline import Entry, day, day_number
from hub.rules.timeline import order as _order

Flag = dict[str, Any]
#: A lunchtime exclusion is an exclusion (the DfE census counts it as a suspension).
SCHOOL_EXCLUSIONS = {
    "school.suspension",
    "school.permanent_exclusion",
    "school.lunchtime",
    "school.ap_placement",
}
RELEASES = {"prison.release_scheduled", "prison.released"}


def age_band(age: int | None) -> str:
    if age is None:
        return "unknown"
    for top, band in ((9, "under-10"), (13, "10-13"), (17, "14-17"), (25, "18-25")):
        if age <= top:
            return band
    return "26+"


def evaluate(policy: Policy, person_id: str, timeline: list[Entry], new: Entry) -> list[Flag]:
    flags: dict[str, Flag] = {}
    born: tuple[str | None] | None = None  # the person's birth month, once for every rule
    for rule in policy.rules:
        if not rule.enabled:
            continue
        if rule.kind in BY_BIRTH_MONTH:
            if born is None:
                born = (birth_month(timeline, new),)
            found = BY_BIRTH_MONTH[rule.kind](rule, timeline, new, born)
        else:
            found = CHECKS[rule.kind](rule, timeline, new)
        for evidence in found:
            flag = _flag(policy, rule, person_id, evidence, new)
            flags[flag["flag_id"]] = flag
    return list(flags.values())


def _gap(a: Entry, b: Entry) -> int:
    return abs(day_number(a["occurred_on"]) - day_number(b["occurred_on"]))


def _others(timeline: list[Entry], new: Entry) -> Iterator[Entry]:
    return (e for e in timeline if e["event_id"] != new["event_id"])


def _violent_victimisation(e: Entry) -> bool:
    return bool(
        e["kind"] == "ed.assault_attendance"
        or (
            e["kind"] == "police.crime"
            and e["role"] == "victim"
            and e.get("category") in VICTIM_VIOLENCE
        )
    )


def _same_assault(a: Entry, b: Entry) -> bool:
    """A police crime and an ED attendance on the same day are one assault seen twice
    (Cardiff Model data have no shared incident reference), not a repeat. Measured on the
    synthetic partnership: allowing a day apart also swallows real repeats."""
    kinds = {a["kind"], b["kind"]}
    return kinds == {"police.crime", "ed.assault_attendance"} and _gap(a, b) == 0


def _violent_suspect(e: Entry) -> bool:
    return bool(e["kind"] == "police.crime" and e["role"] == "suspect" and e["violent"])


def repeat_victim(rule: Rule, timeline: list[Entry], new: Entry) -> Iterator[list[Entry]]:
    if _violent_victimisation(new):
        for other in _others(timeline, new):
            if (
                _violent_victimisation(other)
                and _gap(new, other) <= rule.window_days
                and not _same_assault(new, other)
            ):
                yield [other, new]


def repeat_suspect(rule: Rule, timeline: list[Entry], new: Entry) -> Iterator[list[Entry]]:
    if not _violent_suspect(new):
        return
    for other in _others(timeline, new):
        if not _violent_suspect(other) or _gap(new, other) > rule.window_days:
            continue
        earlier, later = sorted([other, new], key=_order)
        # On one day neither is "already" before the other: either may be the serious one.
        same_day = earlier["occurred_on"] == later["occurred_on"]
        if later["category"] in SERIOUS_VIOLENCE or (
            same_day and earlier["category"] in SERIOUS_VIOLENCE
        ):
            yield [earlier, later]


def prison_release(rule: Rule, timeline: list[Entry], new: Entry) -> Iterator[list[Entry]]:
    if new["kind"] not in RELEASES:
        return
    history = [
        e
        for e in _others(timeline, new)
        if (_violent_suspect(e) or (e["kind"].startswith("prison.") and e["violent"]))
        and 0 <= (day(new) - day(e)).days <= rule.window_days
    ]
    if new["violent"]:  # the index offence itself is violent
        history.append(new)
    if history:
        yield sorted(
            {e["event_id"]: e for e in [history[-1], new]}.values(), key=lambda e: e["occurred_on"]
        )


def birth_month(timeline: list[Entry], new: Entry) -> str | None:
    """The person's birth month as most of their records give it: one record's date of birth
    may be missing or mistyped (day and month swapped), the timeline's consensus rarely is."""
    months: dict[str, int] = {}  # counted by hand: a Counter costs several times as much
    for e in timeline:
        month = e.get("birth_month")
        if month:
            months[month] = months.get(month, 0) + 1
    mine: str | None = new.get("birth_month")
    if not months:
        return mine
    return max(months.items(), key=lambda kv: (kv[1], kv[0] == mine, kv[0]))[0]


def _age(e: Entry, born: str | None) -> int | None:
    """The record's own age, or else the age from the person's birth month (1st-of-month
    birthday, as the transition rule counts it)."""
    if e.get("age_at_event") is not None:
        return int(e["age_at_event"])
    if not born:
        return None
    year, month = map(int, born.split("-"))
    on = day(e)
    return on.year - year - (on.month < month)


def transition_to_adulthood(
    rule: Rule, timeline: list[Entry], new: Entry, known_born: tuple[str | None] | None = None
) -> Iterator[list[Entry]]:
    """An event within ``lead_days`` of the 18th birthday of a person known to Youth Justice
    or safeguarding services by then; a late-arriving record that makes an earlier approaching
    event known completes it too (sources arrive in any order). ``known_born``: the
    ``birth_month`` of this timeline and event, where the caller has it already."""
    born = birth_month(timeline, new) if known_born is None else known_born[0]
    if not born:
        return
    year, month = map(int, born.split("-"))
    # Only the birth month travels; the 1st of the month is the conservative 18th birthday.
    eighteenth = date(year + 18, month, 1)

    def approaching(e: Entry) -> bool:
        return 0 <= (eighteenth - day(e)).days <= rule.lead_days

    def known(e: Entry) -> bool:
        return bool(e["kind"].startswith("yjs.") or e.get("open_to_statutory_services"))

    def by(record: Entry, e: Entry) -> bool:
        return 0 <= (day(e) - day(record)).days <= rule.window_days

    pairs: list[tuple[Entry, Entry]] = []
    if approaching(new):
        pairs += [(y, new) for y in timeline if known(y) and by(y, new)]
    if known(new):
        pairs += [(new, e) for e in timeline if approaching(e) and by(new, e)]
    if pairs:
        record, event = pairs[-1]
        yield sorted(
            {e["event_id"]: e for e in [record, event]}.values(), key=lambda e: e["occurred_on"]
        )


def excluded_child_violence(
    rule: Rule, timeline: list[Entry], new: Entry, known_born: tuple[str | None] | None = None
) -> Iterator[list[Entry]]:
    child = rule.max_age if rule.max_age is not None else 17
    born = birth_month(timeline, new) if known_born is None else known_born[0]
    # Open to statutory services before the later of the two events: not one of the
    # "invisible" children. Judged by the records' dates, not by what arrived first.
    opened = [day_number(e["occurred_on"]) for e in timeline if e.get("open_to_statutory_services")]
    first_opened = min(opened) if opened else None

    def involved(e: Entry) -> bool:
        return _violent_victimisation(e) or _violent_suspect(e)

    def excluded(e: Entry) -> bool:
        if e["kind"] not in SCHOOL_EXCLUSIONS:
            return False
        age = _age(e, born)
        return age is not None and age <= child

    def close(school: int, violence: int) -> bool:
        return abs(school - violence) <= rule.window_days and not (
            first_opened is not None and first_opened < max(school, violence)
        )

    others = [e for e in timeline if e["event_id"] != new["event_id"]]
    if not others:
        return
    # The new event's own tests once, not once per other event (same order of evaluation).
    new_excluded = excluded(new)
    new_involved: bool | None = None
    new_day = day_number(new["occurred_on"])
    for other in others:
        # The new event as the exclusion and the other as the violence, then the other way.
        if new_excluded and involved(other) and close(new_day, day_number(other["occurred_on"])):
            yield sorted([new, other], key=_order)
        if excluded(other):
            if new_involved is None:
                new_involved = involved(new)
            if new_involved and close(day_number(other["occurred_on"]), new_day):
                yield sorted([other, new], key=_order)


def several_agencies(rule: Rule, timeline: list[Entry], new: Entry) -> Iterator[list[Entry]]:
    width = rule.window_days
    new_day = day_number(new["occurred_on"])
    near = [(e, d) for e in timeline if abs((d := day_number(e["occurred_on"])) - new_day) <= width]
    for _, start in near:
        if start > new_day:
            break
        window = [e for e, d in near if 0 <= d - start <= width]
        first: dict[str, Entry] = {}
        for e in window:
            first.setdefault(e["partner"], e)
        if len(first) >= rule.threshold and new["event_id"] in {e["event_id"] for e in window}:
            chosen = {**first, new["partner"]: new}
            yield sorted(chosen.values(), key=_order)
            return


CHECKS: dict[str, Callable[[Rule, list[Entry], Entry], Iterator[list[Entry]]]] = {
    "repeat_victim": repeat_victim,
    "repeat_suspect": repeat_suspect,
    "prison_release": prison_release,
    "transition_to_adulthood": transition_to_adulthood,
    "excluded_child_violence": excluded_child_violence,
    "several_agencies": several_agencies,
}
#: The checks that need the person's consensus birth month (``birth_month``): ``evaluate``
#: works it out once for all of them.
BY_BIRTH_MONTH: dict[
    str,
    Callable[[Rule, list[Entry], Entry, tuple[str | None]], Iterator[list[Entry]]],
] = {
    "transition_to_adulthood": transition_to_adulthood,
    "excluded_child_violence": excluded_child_violence,
}


def flag_for(policy: Policy, rule: Rule, person_id: str, evidence: list[Entry]) -> Flag:
    """The flag a rule raises on this evidence (also for the clock's sweep, hub.rules.clock)."""
    return _flag(policy, rule, person_id, evidence, evidence[-1])


def _flag(policy: Policy, rule: Rule, person_id: str, evidence: list[Entry], new: Entry) -> Flag:
    ids = sorted(e["event_id"] for e in evidence)
    flag_id = hashlib.sha256("\x1f".join([rule.id, person_id, *ids]).encode()).hexdigest()[:24]
    latest = max(evidence, key=lambda e: e["occurred_on"])
    return {
        "flag_id": flag_id,
        "rule_id": rule.id,
        "policy_version": policy.version,
        "person_id": person_id,
        "occurred_on": latest["occurred_on"],
        "evidence": [
            {
                "event_id": e["event_id"],
                "partner": e["partner"],
                "occurred_on": e["occurred_on"],
                "category": e.get("category"),
                "source_record_ref": e["source_record_ref"],
            }
            for e in evidence
        ],
        "attributes": {
            "rule": rule.id,
            "age_band": age_band(latest.get("age_at_event")),
            "age": str(
                latest.get("age_at_event") if latest.get("age_at_event") is not None else ""
            ),
            "area": latest.get("area") or "",
            "partners": ",".join(sorted({e["partner"] for e in evidence})),
            "group_offence": str(any(e.get("group_offence") for e in evidence)).lower(),
            "youth_custody": str(
                any(
                    e["kind"].startswith("prison.") and (e.get("age_at_event") or 99) < 18
                    for e in evidence
                )
            ).lower(),
        },
    }
