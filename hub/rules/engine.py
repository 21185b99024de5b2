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

from hub.rules.facts import SERIOUS_VIOLENCE
from hub.rules.policy import Policy, Rule
from hub.rules.timeline import Entry, day

Flag = dict[str, Any]
SCHOOL_EXCLUSIONS = {"school.suspension", "school.permanent_exclusion", "school.ap_placement"}
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
    for rule in policy.rules:
        if not rule.enabled:
            continue
        for evidence in CHECKS[rule.kind](rule, timeline, new):
            flag = _flag(policy, rule, person_id, evidence, new)
            flags[flag["flag_id"]] = flag
    return list(flags.values())


def _gap(a: Entry, b: Entry) -> int:
    return abs((day(a) - day(b)).days)


def _others(timeline: list[Entry], new: Entry) -> Iterator[Entry]:
    return (e for e in timeline if e["event_id"] != new["event_id"])


def _violent_victimisation(e: Entry) -> bool:
    return bool(
        e["kind"] == "ed.assault_attendance"
        or (e["kind"] == "police.crime" and e["role"] == "victim" and e["violent"])
    )


def _violent_suspect(e: Entry) -> bool:
    return bool(e["kind"] == "police.crime" and e["role"] == "suspect" and e["violent"])


def repeat_victim(rule: Rule, timeline: list[Entry], new: Entry) -> Iterator[list[Entry]]:
    if _violent_victimisation(new):
        for other in _others(timeline, new):
            if _violent_victimisation(other) and _gap(new, other) <= rule.window_days:
                yield [other, new]


def repeat_suspect(rule: Rule, timeline: list[Entry], new: Entry) -> Iterator[list[Entry]]:
    if not _violent_suspect(new):
        return
    for other in _others(timeline, new):
        if not _violent_suspect(other) or _gap(new, other) > rule.window_days:
            continue
        earlier, later = sorted([other, new], key=lambda e: (e["occurred_on"], e["event_id"]))
        if later["category"] in SERIOUS_VIOLENCE:
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


def transition_to_adulthood(rule: Rule, timeline: list[Entry], new: Entry) -> Iterator[list[Entry]]:
    if not new.get("birth_month"):
        return
    year, month = map(int, new["birth_month"].split("-"))
    # Only the birth month travels; the 1st of the month is the conservative 18th birthday.
    eighteenth = date(year + 18, month, 1)
    if not 0 <= (eighteenth - day(new)).days <= rule.lead_days:
        return
    known = [
        e
        for e in timeline
        if (e["kind"].startswith("yjs.") or e.get("open_to_statutory_services"))
        and (day(new) - day(e)).days <= rule.window_days
    ]
    if known:
        yield sorted(
            {e["event_id"]: e for e in [known[-1], new]}.values(), key=lambda e: e["occurred_on"]
        )


def excluded_child_violence(rule: Rule, timeline: list[Entry], new: Entry) -> Iterator[list[Entry]]:
    if any(e.get("open_to_statutory_services") for e in timeline):
        return  # open to statutory services: not one of the "invisible" children
    child = rule.max_age if rule.max_age is not None else 17

    def involved(e: Entry) -> bool:
        return _violent_victimisation(e) or _violent_suspect(e)

    def excluded(e: Entry) -> bool:
        return (
            e["kind"] in SCHOOL_EXCLUSIONS
            and e.get("age_at_event") is not None
            and e["age_at_event"] <= child
        )

    for other in _others(timeline, new):
        for school, violence in ((new, other), (other, new)):
            if (
                excluded(school)
                and involved(violence)
                and _gap(school, violence) <= rule.window_days
            ):
                yield sorted([school, violence], key=lambda e: (e["occurred_on"], e["event_id"]))


def several_agencies(rule: Rule, timeline: list[Entry], new: Entry) -> Iterator[list[Entry]]:
    near = [e for e in timeline if _gap(e, new) <= rule.window_days]
    for start in near:
        if day(start) > day(new):
            break
        window = [e for e in near if 0 <= (day(e) - day(start)).days <= rule.window_days]
        first: dict[str, Entry] = {}
        for e in window:
            first.setdefault(e["partner"], e)
        if len(first) >= rule.threshold and new["event_id"] in {e["event_id"] for e in window}:
            chosen = {**first, new["partner"]: new}
            yield sorted(chosen.values(), key=lambda e: (e["occurred_on"], e["event_id"]))
            return


CHECKS: dict[str, Callable[[Rule, list[Entry], Entry], Iterator[list[Entry]]]] = {
    "repeat_victim": repeat_victim,
    "repeat_suspect": repeat_suspect,
    "prison_release": prison_release,
    "transition_to_adulthood": transition_to_adulthood,
    "excluded_child_violence": excluded_child_violence,
    "several_agencies": several_agencies,
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
