"""The flags the truth expects: the policy applied to true histories, per rule kind."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from hub.rules.policy import load_policy
from hub.synth.expected import expected_flags
from hub.synth.truth import TruthEvent, read_events
from tests.unit.synth.conftest import Run

POLICY = load_policy()
BORN = {"P1": date(2009, 1, 20)}


def ev(
    n: int, partner: str, kind: str, on: str, role: str = "", category: str = "", **kw: str
) -> TruthEvent:
    age = 16 if on < "2027-01-20" else 18
    return TruthEvent(
        partner, f"R{n}", "P1", kind, on, role, category, "", age, "A", "city", "M",
        kw.get("incident", ""), kw.get("open", ""),
    )  # fmt: skip


def flags(*events: TruthEvent) -> set[tuple[str, str]]:
    return {(f.rule_id, f.key) for f in expected_flags(events, BORN, POLICY)}


def test_repeat_victim_pairs_distinct_assaults_within_the_window() -> None:
    a = ev(1, "police", "crime", "2025-01-01", "victim", "assault_injury", incident="C1")
    same = ev(2, "ed", "ed_assault", "2025-01-01", "patient", "assault", incident="C1")
    other = ev(3, "ed", "ed_assault", "2026-01-01", "patient", "assault")
    late = ev(4, "ed", "ed_assault", "2026-12-31", "patient", "assault")
    too_late = ev(6, "ed", "ed_assault", "2028-01-01", "patient", "assault")
    order = ev(5, "police", "crime", "2025-02-01", "victim", "public_order")
    assert flags(a, same, other, late, order, too_late) == {
        ("repeat_victim", "ed/R3|police/R1"),
        ("repeat_victim", "ed/R2|ed/R3"),
        ("repeat_victim", "ed/R3|ed/R4"),
    }


def test_repeat_suspect_needs_the_later_offence_serious() -> None:
    order = ev(1, "police", "crime", "2025-01-01", "suspect", "public_order")
    knife = ev(2, "police", "crime", "2025-03-01", "suspect", "weapon_possession")
    assert flags(order, knife) == {("repeat_suspect", "police/R1|police/R2")}
    assert flags(knife, ev(3, "police", "crime", "2025-04-01", "suspect", "public_order")) == set()


def test_prison_release_is_keyed_by_the_release_record() -> None:
    crime = ev(1, "police", "crime", "2024-01-01", "suspect", "assault_injury")
    release = ev(2, "prisons", "released", "2025-06-01", "prisoner", "theft")
    assert flags(crime, release) == {("prison_release", "prisons/R2")}
    assert flags(release) == set()


def test_transition_and_several_agencies_are_keyed_by_person() -> None:
    yj = ev(1, "youth_justice", "yj_outcome", "2026-10-10", "young_person")
    school = ev(2, "schools", "exclusion", "2026-11-01", "pupil", "FIXD")
    police = ev(3, "police", "crime", "2026-12-01", "witness", "theft")
    found = flags(yj, school, police)
    assert ("transition_to_adulthood", "P1") in found  # 18 on 1 January 2027 by convention
    assert ("several_agencies", "P1") in found


def test_an_excluded_child_open_to_services_before_then_is_not_invisible() -> None:
    excluded = ev(1, "schools", "exclusion", "2025-03-01", "pupil", "LNCH")
    violence = ev(2, "ed", "ed_assault", "2025-05-01", "patient", "assault")
    assert flags(excluded, violence) == {
        ("excluded_child_violence", "ed/R2|schools/R1"),
    }
    opened = ev(3, "youth_justice", "yj_charge", "2025-04-01", "young_person", open="1")
    assert ("excluded_child_violence", "ed/R2|schools/R1") not in flags(excluded, violence, opened)
    same_day = ev(3, "youth_justice", "yj_charge", "2025-05-01", "young_person", open="1")
    assert ("excluded_child_violence", "ed/R2|schools/R1") in flags(excluded, violence, same_day)


def test_the_generator_writes_the_flags_the_truth_files_give(run: Run) -> None:
    truth = run.root / "truth"
    with (truth / "people.csv").open() as handle:
        born = {r["person_id"]: date.fromisoformat(r["dob"]) for r in csv.DictReader(handle)}
    again = expected_flags(read_events(truth / "events.csv"), born, POLICY)
    written = run.truth("flags.csv")
    assert sorted((r["rule_id"], r["key"]) for r in written) == sorted(
        (f.rule_id, f.key) for f in again
    )
    counts = run.manifest["expected_flags"]
    assert set(counts) == {r.id for r in POLICY.rules}
    assert all(n > 0 for n in counts.values()), counts
    assert sum(counts.values()) == len(written)


def test_read_events_accepts_files_without_the_open_column(tmp_path: Path) -> None:
    old = tmp_path / "events.csv"
    old.write_text(
        "partner,record_ref,person_id,kind,occurred,role,category,detail,age,area,region,sex,"
        "incident\npolice,R1,P1,crime,2025-01-01,victim,theft,,30,A,city,M,C1\n"
    )
    assert read_events(old)[0].open == ""
