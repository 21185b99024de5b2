"""Rule-level quality: the flags the hub raised against the flags the truth expects.

Expected flags come from the synthetic truth (``hub.synth.expected``, the policy applied to
true histories). Raised flags come either from an offline run (the partnership linked through
the connectors' encoding path, then the rule engine over each person's timeline, event by
event, as the worker does) or from the ``flags`` topic the worker wrote. Both are keyed the
same way (``hub.synth.expected.flag_key``) after mapping each evidence event back to its
record and true person, so per rule: expected, raised, matched, missed and wrong, with
precision and recall, and for each miss or wrong flag the likeliest cause:

* ``merged`` (wrong): the evidence belongs to two or more true people (a false link);
* ``split`` (missed): the expected evidence ended in two or more hub persons (a missed link);
* ``same_record`` (wrong): two versions of one record taken as two events;
* ``rule`` : linkage was right, the rule and the truth disagree.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from hub.config import ConnectorSettings
from hub.linkage.linker import Linker, LinkerConfig
from hub.linkage.offline import offline_events
from hub.linkage.store import resolve
from hub.rules.engine import evaluate
from hub.rules.policy import Policy
from hub.rules.timeline import Entry, add, entry, merge
from hub.synth.expected import ExpectedFlag, expected_flags, flag_key
from hub.synth.exports import FOLDER_OF_PARTNER
from hub.synth.truth import read_events
from privacy.identifiers import IdentifierType
from privacy.keyring import load_linkage
from privacy.tokens import Tokeniser


@dataclass
class RuleQuality:
    rule_id: str
    expected: int = 0
    raised: int = 0
    matched: int = 0
    missed: Counter[str] = field(default_factory=Counter)  # by cause
    wrong: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[str, str, str]] = field(default_factory=list)  # (missed|wrong, cause, key)

    @property
    def precision(self) -> float:
        return self.matched / self.raised if self.raised else 1.0

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0


@dataclass(frozen=True)
class Truth:
    person_of: dict[str, str]  # record key (folder/ref) -> true person
    flags: list[ExpectedFlag]


def load_truth(synth: Path, policy: Policy) -> Truth:
    """Expected flags under ``policy``, from the truth files (not the exports)."""
    truth = synth / "truth"
    with (truth / "records.csv").open(newline="", encoding="utf-8") as handle:
        person_of = {
            f"{r['partner']}/{r['record_ref']}": r["person_id"] for r in csv.DictReader(handle)
        }
    with (truth / "people.csv").open(newline="", encoding="utf-8") as handle:
        born = {r["person_id"]: date.fromisoformat(r["dob"]) for r in csv.DictReader(handle)}
    return Truth(person_of, expected_flags(read_events(truth / "events.csv"), born, policy))


def record_tokens(synth: Path, keys: ConnectorSettings) -> dict[str, str]:
    """Keyed token of each record reference (as events carry it) -> record key."""
    tokens = Tokeniser(load_linkage(Path(keys.keys_dir) / "linkage.json"))
    partner_of = {folder: partner for partner, folder in FOLDER_OF_PARTNER.items()}
    out = {}
    with (synth / "truth" / "records.csv").open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            partner = partner_of[r["partner"]]
            for token in tokens.tokens(
                IdentifierType.LOCAL, r["record_ref"], namespace=f"{partner}/record"
            ):
                out[token.value] = f"{r['partner']}/{r['record_ref']}"
    return out


@dataclass(frozen=True)
class OfflineRun:
    flags: list[dict[str, Any]]
    record_of: dict[str, str]  # event's source_record_ref token -> record key
    hub_person: dict[str, str]  # record key -> hub person id at the end


def raise_offline(
    synth: Path, keys: ConnectorSettings, policy: Policy, config: LinkerConfig | None = None
) -> OfflineRun:
    """Link in event-time order and evaluate each event on its person's timeline, as the
    worker does; a merge moves the merged person's timeline to the survivor."""
    events = sorted(offline_events(synth, keys), key=lambda e: e.occurred)
    linker = Linker({}, config)
    timelines: dict[str, list[Entry]] = {}
    flags: dict[str, dict[str, Any]] = {}
    record_of: dict[str, str] = {}
    person_at: dict[str, str] = {}
    keep = policy.longest_window
    for e in events:
        decision = linker.link(e.candidate)
        for survivor, merged in decision.merges:
            moved = timelines.pop(merged, [])
            timelines[survivor] = merge(timelines.get(survivor, []), moved, keep)
        person = resolve(linker.store, decision.person_id)
        record_of[e.source_record_ref] = e.record
        person_at[e.record] = person
        new = entry(e.candidate.event_id, e.partner, e.source_record_ref, e.facts)
        timeline, fresh = add(timelines.get(person, []), new, keep)
        timelines[person] = timeline
        if fresh:
            for flag in evaluate(policy, person, timeline, new):
                flags[flag["flag_id"]] = flag
    hub_person = {r: resolve(linker.store, p) for r, p in person_at.items()}
    return OfflineRun(list(flags.values()), record_of, hub_person)


def compare(
    policy: Policy,
    truth: Truth,
    raised: Iterable[Mapping[str, Any]],
    record_of: Mapping[str, str],
    hub_person: Mapping[str, str] | None = None,
) -> dict[str, RuleQuality]:
    """Per rule of ``policy``: raised flags (dicts with rule_id and evidence, as the engine and
    the ``flags`` topic give them) against the expected ones."""
    kinds = {r.id: r.kind for r in policy.rules if r.enabled}
    quality = {rule_id: RuleQuality(rule_id) for rule_id in kinds}
    expected: dict[str, dict[str, ExpectedFlag]] = {rule_id: {} for rule_id in kinds}
    for wanted in truth.flags:
        if wanted.rule_id in expected:
            expected[wanted.rule_id][wanted.key] = wanted
    got: dict[str, dict[str, str]] = {rule_id: {} for rule_id in kinds}  # key -> cause if wrong
    for flag in raised:
        rule_id = flag["rule_id"]
        if rule_id not in kinds:
            continue
        records = [record_of.get(ev["source_record_ref"], "?") for ev in flag["evidence"]]
        people = {truth.person_of.get(r, "?") for r in records}
        if len(people) > 1 or "?" in people:
            got[rule_id][f"merged:{flag.get('flag_id')}"] = "merged"
            continue
        if len(set(records)) < len(records):
            got[rule_id][f"same_record:{flag.get('flag_id')}"] = "same_record"
            continue
        key = flag_key(kinds[rule_id], people.pop(), tuple(records))
        got[rule_id][key] = "rule"
    for rule_id, q in quality.items():
        q.expected, q.raised = len(expected[rule_id]), len(got[rule_id])
        for key, cause in got[rule_id].items():
            if key in expected[rule_id]:
                q.matched += 1
            else:
                q.wrong[cause] += 1
                q.examples.append(("wrong", cause, key))
        for key, wanted in expected[rule_id].items():
            if key not in got[rule_id]:
                cause = _miss_cause(wanted, hub_person)
                q.missed[cause] += 1
                q.examples.append(("missed", cause, key))
    return quality


def _miss_cause(flag: ExpectedFlag, hub_person: Mapping[str, str] | None) -> str:
    if hub_person is None:
        return "unknown"
    persons = {hub_person.get(r, "?") for r in flag.evidence}
    if "?" in persons:
        return "not_linked"  # an evidence record never reached the linker (quarantined)
    return "split" if len(persons) > 1 else "rule"
