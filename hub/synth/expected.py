"""The flags a policy should raise on the true histories: the rule-level ground truth.

Written from the policy's words and the synthetic world's own definitions, not from the
rule engine (``hub.rules.engine``), so comparing the two checks the engine as well as the
linkage in front of it. Inputs are the truth files: who each record really is, the true date
of birth, the true offence categories, and which assault a police crime and an ED attendance
share.

What one expected flag is, per rule kind (the hub's flags are keyed the same way by
``hub.linkage.rules_eval``, so arrival order and evidence choice do not matter):

* pair rules (``repeat_victim``, ``repeat_suspect``, ``excluded_child_violence``): one flag
  per qualifying pair of records;
* ``prison_release``: one flag per release record (scheduled or actual);
* ``transition_to_adulthood`` and ``several_agencies``: one flag per person (a person turns
  18 once; "seen by three agencies" is a fact about the person).

Conventions taken from the policy file: a window of N days includes day N; only the birth
month travels in events, so the 18th birthday is the 1st of the birth month; "open to
statutory services" is what a Youth Justice record said before the day (a record of the same
day is not yet known when the flag is due); violence is the
synthetic world's ``VIOLENT`` (victims: ``VICTIM_VIOLENCE``), serious violence its
``serious`` categories; an ED assault attendance and the police crime of the same assault are
one victimisation, not two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date

from hub.rules.policy import Policy, Rule
from hub.synth.crime import CRIMES, VICTIM_VIOLENCE, VIOLENT
from hub.synth.truth import TruthEvent

SERIOUS = frozenset(c for c, spec in CRIMES.items() if spec.serious)
RELEASES = frozenset({"release_scheduled", "released"})
PAIR_KINDS = frozenset({"repeat_victim", "repeat_suspect", "excluded_child_violence"})
PERSON_KINDS = frozenset({"transition_to_adulthood", "several_agencies"})


def record_key(e: TruthEvent) -> str:
    return f"{e.partner}/{e.record_ref}"


@dataclass(frozen=True)
class ExpectedFlag:
    rule_id: str
    person_id: str
    key: str  # what identifies the flag whatever the evidence order (see the module doc)
    evidence: tuple[str, ...]  # record keys

    def row(self) -> tuple[str, str, str, str]:
        return (self.rule_id, self.person_id, self.key, ";".join(self.evidence))


def pair_key(a: str, b: str) -> str:
    return "|".join(sorted((a, b)))


def _day(e: TruthEvent) -> date:
    return date.fromisoformat(e.occurred)


def _victimised(e: TruthEvent) -> bool:
    return e.kind == "ed_assault" or (
        e.kind == "crime" and e.role == "victim" and e.category in VICTIM_VIOLENCE
    )


def _suspect(e: TruthEvent) -> bool:
    return e.kind == "crime" and e.role == "suspect" and e.category in VIOLENT


def _same_assault(a: TruthEvent, b: TruthEvent) -> bool:
    return bool(a.incident) and a.incident == b.incident


def repeat_victim(rule: Rule, history: list[TruthEvent]) -> Iterator[list[TruthEvent]]:
    hits = [e for e in history if _victimised(e)]
    for i, a in enumerate(hits):
        for b in hits[i + 1 :]:
            if abs((_day(b) - _day(a)).days) <= rule.window_days and not _same_assault(a, b):
                yield [a, b]


def repeat_suspect(rule: Rule, history: list[TruthEvent]) -> Iterator[list[TruthEvent]]:
    hits = [e for e in history if _suspect(e)]
    for i, a in enumerate(hits):
        for b in hits[i + 1 :]:
            gap = (_day(b) - _day(a)).days  # history is in date order: gap >= 0
            if gap > rule.window_days or _same_assault(a, b):
                continue
            if b.category in SERIOUS or (gap == 0 and a.category in SERIOUS):
                yield [a, b]


def prison_release(rule: Rule, history: list[TruthEvent]) -> Iterator[list[TruthEvent]]:
    for r in history:
        if r.partner != "prisons" or r.kind not in RELEASES:
            continue
        before = [
            e
            for e in history
            if e is not r
            and 0 <= (_day(r) - _day(e)).days <= rule.window_days
            and (_suspect(e) or (e.partner == "prisons" and e.category in VIOLENT))
        ]
        if r.category in VIOLENT:
            yield [r]
        elif before:
            yield [before[-1], r]


def transition_to_adulthood(
    rule: Rule, history: list[TruthEvent], born: date
) -> Iterator[list[TruthEvent]]:
    eighteenth = date(born.year + 18, born.month, 1)
    for e in history:
        if not 0 <= (eighteenth - _day(e)).days <= rule.lead_days:
            continue
        known = [
            y
            for y in history
            if y.partner == "youth_justice" and 0 <= (_day(e) - _day(y)).days <= rule.window_days
        ]
        if known:
            yield [known[-1], e] if known[-1] is not e else [e]
            return


def excluded_child_violence(rule: Rule, history: list[TruthEvent]) -> Iterator[list[TruthEvent]]:
    child = rule.max_age if rule.max_age is not None else 17
    opened = [_day(e) for e in history if e.open == "1"]
    excluded = [e for e in history if e.kind == "exclusion" and e.age <= child]
    involved = [e for e in history if _victimised(e) or _suspect(e)]
    for x in excluded:
        for v in involved:
            if abs((_day(x) - _day(v)).days) > rule.window_days:
                continue
            later = max(_day(x), _day(v))
            if any(day < later for day in opened):
                continue  # open to statutory services before then: not an "invisible" child
            yield sorted([x, v], key=lambda e: (e.occurred, record_key(e)))


def several_agencies(rule: Rule, history: list[TruthEvent]) -> Iterator[list[TruthEvent]]:
    for i, start in enumerate(history):
        first: dict[str, TruthEvent] = {}
        for e in history[i:]:
            if (_day(e) - _day(start)).days > rule.window_days:
                break
            first.setdefault(e.partner, e)
        if len(first) >= rule.threshold:
            yield sorted(first.values(), key=lambda e: (e.occurred, record_key(e)))
            return


def expected_flags(
    events: Iterable[TruthEvent], born: Mapping[str, date], policy: Policy
) -> list[ExpectedFlag]:
    """Every flag ``policy`` should raise over these complete person histories."""
    by_person: dict[str, list[TruthEvent]] = defaultdict(list)
    for e in events:
        if e.kind != "crime_update":
            by_person[e.person_id].append(e)
    out: dict[tuple[str, str], ExpectedFlag] = {}
    for pid, history in by_person.items():
        history.sort(key=lambda e: (e.occurred, record_key(e)))
        for rule in policy.rules:
            if not rule.enabled:
                continue
            found: Iterable[list[TruthEvent]]
            if rule.kind == "transition_to_adulthood":
                found = transition_to_adulthood(rule, history, born[pid]) if pid in born else ()
            else:
                found = _CHECKS[rule.kind](rule, history)
            for evidence in found:
                keys = tuple(record_key(e) for e in evidence)
                flag = ExpectedFlag(rule.id, pid, flag_key(rule.kind, pid, keys), keys)
                out.setdefault((rule.id, flag.key), flag)
    return sorted(out.values(), key=lambda f: (f.rule_id, f.key))


def flag_key(kind: str, person_id: str, evidence: tuple[str, ...]) -> str:
    """One flag's identity for comparison (the module doc says why, per kind)."""
    if kind in PAIR_KINDS:
        return pair_key(*evidence) if len(evidence) == 2 else "|".join(sorted(evidence))
    if kind == "prison_release":
        return evidence[-1]
    return person_id


_CHECKS = {
    "repeat_victim": repeat_victim,
    "repeat_suspect": repeat_suspect,
    "prison_release": prison_release,
    "excluded_child_violence": excluded_child_violence,
    "several_agencies": several_agencies,
}
