"""Each rule, its window boundaries, birthdays, duplicates and late arrivals."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.errors import ConfigurationError
from hub.rules.engine import age_band, evaluate
from hub.rules.policy import load_policy
from hub.rules.timeline import add, entry

POLICY = load_policy()
D0 = date(2025, 6, 1)


def ev(n: int, partner: str, kind: str, on: date, **facts: Any) -> dict[str, Any]:
    base = {
        "kind": kind,
        "occurred_on": on,
        "role": None,
        "category": None,
        "violent": False,
        "group_offence": False,
        "age_at_event": 16,
        "birth_month": "2009-01",
        "area": "ZY1",
        "open_to_statutory_services": None,
        "release_date": None,
        "gravity_score": None,
    }
    return entry(f"e{n}", partner, f"ref{n}", {**base, **facts})


def victim(n: int, on: date) -> dict[str, Any]:
    return ev(
        n, "police", "police.crime", on, role="victim", category="assault_with_injury", violent=True
    )


def suspect(n: int, on: date, category: str = "gbh_s18") -> dict[str, Any]:
    return ev(n, "police", "police.crime", on, role="suspect", category=category, violent=True)


def flags_after(*events: dict[str, Any]) -> list[dict[str, Any]]:
    timeline: list[dict[str, Any]] = []
    found: list[dict[str, Any]] = []
    for event in events:
        timeline, fresh = add(timeline, event, POLICY.longest_window)
        if fresh:
            found += evaluate(POLICY, "p-1", timeline, event)
    return found


def rules(flags: list[dict[str, Any]]) -> list[str]:
    return sorted(f["rule_id"] for f in flags)


def test_repeat_victim_day_365_counts_and_day_366_does_not() -> None:
    assert rules(flags_after(victim(1, D0), victim(2, D0 + timedelta(days=365)))) == [
        "repeat_victim"
    ]
    assert rules(flags_after(victim(1, D0), victim(2, D0 + timedelta(days=366)))) == []


def test_an_ed_attendance_is_a_violent_victimisation() -> None:
    ed = ev(2, "ed", "ed.assault_attendance", D0 + timedelta(days=30), role="victim", violent=True)
    found = flags_after(victim(1, D0), ed)
    assert rules(found) == ["repeat_victim"]
    assert [e["partner"] for e in found[0]["evidence"]] == ["police", "ed"]


def test_a_late_arriving_earlier_event_still_completes_the_pair_with_the_same_flag_id() -> None:
    in_order = flags_after(victim(1, D0), victim(2, D0 + timedelta(days=10)))
    late = flags_after(victim(2, D0 + timedelta(days=10)), victim(1, D0))
    assert [f["flag_id"] for f in in_order] == [f["flag_id"] for f in late]


def test_a_redelivered_event_raises_nothing_new() -> None:
    assert flags_after(victim(1, D0), victim(1, D0)) == []


def test_repeat_suspect_needs_a_serious_offence_after_another_violent_one() -> None:
    later = D0 + timedelta(days=40)
    assert rules(flags_after(suspect(1, D0, "public_order"), suspect(2, later))) == [
        "repeat_suspect"
    ]
    # The serious offence must be the later one: GBH then public order is not this rule.
    assert rules(flags_after(suspect(1, D0), suspect(2, later, "public_order"))) == []
    assert (
        rules(flags_after(suspect(1, D0, "public_order"), suspect(2, later, "public_order"))) == []
    )
    too_late = D0 + timedelta(days=400)
    assert rules(flags_after(suspect(1, D0, "public_order"), suspect(2, too_late))) == []


def test_prison_release_of_a_person_with_a_violent_history() -> None:
    release = ev(
        2,
        "prison",
        "prison.release_scheduled",
        D0 + timedelta(days=300),
        category="THEFT",
        release_date=D0 + timedelta(days=330),
        age_at_event=30,
    )
    assert rules(flags_after(suspect(1, D0), release)) == ["prison_release"]
    assert rules(flags_after(victim(1, D0), release)) == []


@pytest.mark.parametrize(
    ("on", "flagged"),
    [
        (date(2026, 10, 3), True),
        (date(2027, 1, 1), True),
        (date(2026, 10, 2), False),
        (date(2027, 1, 2), False),
    ],
)
def test_transition_to_adulthood_counts_from_the_first_of_the_birth_month(
    on: date, flagged: bool
) -> None:
    known = ev(1, "yjs", "yjs.outcome", date(2026, 6, 1), open_to_statutory_services=True)
    later = ev(2, "school", "school.suspension", on, birth_month="2009-01")  # 18 on 2027-01-01
    assert ("transition_to_adulthood" in rules(flags_after(known, later))) is flagged


def test_excluded_child_involved_in_violence_but_not_open_to_services() -> None:
    excluded = ev(1, "school", "school.permanent_exclusion", D0, category="PA", age_at_event=14)
    assert rules(flags_after(excluded, victim(2, D0 + timedelta(days=180)))) == [
        "excluded_child_violence"
    ]
    assert rules(flags_after(excluded, victim(2, D0 + timedelta(days=181)))) == []
    open_case = ev(
        3, "yjs", "yjs.intervention", D0 - timedelta(days=1), open_to_statutory_services=True
    )
    assert "excluded_child_violence" not in rules(flags_after(open_case, excluded, victim(2, D0)))
    adult = ev(1, "school", "school.suspension", D0, age_at_event=18)
    assert rules(flags_after(adult, victim(2, D0))) == []


def test_three_partners_within_90_days() -> None:
    a = victim(1, D0)
    b = ev(2, "ed", "ed.assault_attendance", D0 + timedelta(days=45), role="victim", violent=True)
    c = ev(3, "school", "school.suspension", D0 + timedelta(days=90), age_at_event=16)
    assert "several_agencies" in rules(flags_after(a, b, c))
    late = ev(3, "school", "school.suspension", D0 + timedelta(days=91), age_at_event=16)
    assert "several_agencies" not in rules(flags_after(a, b, late))


def test_flags_carry_evidence_policy_version_and_routing_attributes() -> None:
    flag = flags_after(victim(1, D0), victim(2, D0 + timedelta(days=5)))[0]
    assert flag["policy_version"] == POLICY.version
    assert [e["source_record_ref"] for e in flag["evidence"]] == ["ref1", "ref2"]
    assert flag["attributes"]["age_band"] == "14-17"


@pytest.mark.parametrize(
    ("age", "band"),
    [(None, "unknown"), (9, "under-10"), (13, "10-13"), (17, "14-17"), (25, "18-25"), (26, "26+")],
)
def test_age_bands(age: int | None, band: str) -> None:
    assert age_band(age) == band


def test_timeline_trims_to_the_longest_window() -> None:
    timeline: list[dict[str, Any]] = []
    for n, on in enumerate([D0, D0 + timedelta(days=POLICY.longest_window + 1)]):
        timeline, _ = add(timeline, victim(n, on), POLICY.longest_window)
    assert [e["event_id"] for e in timeline] == ["e1"]


def test_an_invalid_policy_names_the_rule_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "policy.yaml"
    bad.write_text(
        "version: x\nrules:\n  - id: rv\n    kind: repeat_victim\n    description: d\n"
        "    window_days: -1\n"
    )
    with pytest.raises(ConfigurationError, match=r"rule rv\.window_days"):
        load_policy(bad)
