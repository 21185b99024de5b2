"""Rule behaviour that rule-level evaluation against the synthetic truth found wrong, fixed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hub.rules.engine import birth_month
from hub.rules.timeline import add
from tests.unit.rules.test_rules import D0, POLICY, ev, flags_after, rules, suspect, victim


def test_two_versions_of_one_record_are_one_event_not_a_repeat() -> None:
    first = victim(1, D0)
    update = {**victim(2, D0), "source_record_ref": first["source_record_ref"]}
    assert flags_after(first, update) == []
    timeline, fresh = add([first], update, POLICY.longest_window)
    assert not fresh
    assert [e["event_id"] for e in timeline] == ["e2"]  # the newer version replaces the old


def test_a_police_crime_and_an_ed_attendance_on_one_day_are_one_assault() -> None:
    ed = ev(2, "ed", "ed.assault_attendance", D0, role="victim", violent=True)
    assert flags_after(victim(1, D0), ed) == []
    next_day = ev(3, "ed", "ed.assault_attendance", D0 + timedelta(days=1), violent=True)
    assert rules(flags_after(victim(1, D0), next_day)) == ["repeat_victim"]


def test_a_public_order_victim_is_not_a_violent_victimisation() -> None:
    public_order = ev(
        1, "police", "police.crime", D0, role="victim", category="public_order", violent=True
    )
    assert flags_after(public_order, victim(2, D0 + timedelta(days=20))) == []


def test_possession_of_weapons_is_serious_and_same_day_suspects_count_either_way() -> None:
    later = D0 + timedelta(days=40)
    found = flags_after(suspect(1, D0, "public_order"), suspect(2, later, "possession_of_weapons"))
    assert rules(found) == ["repeat_suspect"]
    # On one day neither offence is "already" before the other.
    for first, second in (("e1", "e2"), ("e2", "e1")):
        serious = suspect(int(first[1]), D0, "gbh_s18")
        other = suspect(int(second[1]), D0, "public_order")
        assert rules(flags_after(serious, other)) == ["repeat_suspect"]


def test_a_lunchtime_exclusion_is_an_exclusion() -> None:
    lunch = ev(1, "school", "school.lunchtime", D0, category="PD", age_at_event=13)
    assert rules(flags_after(lunch, victim(2, D0 + timedelta(days=30)))) == [
        "excluded_child_violence"
    ]


def test_a_record_without_a_date_of_birth_takes_the_age_from_the_persons_other_records() -> None:
    known = victim(1, D0)  # birth month 2009-01: 16 in June 2025
    excluded = ev(2, "school", "school.suspension", D0 + timedelta(days=10), age_at_event=None)
    excluded["birth_month"] = None
    assert rules(flags_after(known, excluded)) == ["excluded_child_violence"]


def test_the_birth_month_is_the_timelines_consensus_not_one_records() -> None:
    def entry(n: int, month: str | None) -> dict[str, Any]:
        return {**victim(n, D0), "birth_month": month}

    timeline = [entry(1, "2009-01"), entry(2, "2009-01"), entry(3, "2009-10")]
    assert birth_month(timeline, timeline[2]) == "2009-01"
    assert birth_month([entry(4, None)], entry(4, None)) is None
    # One swapped record does not move the 18th birthday of a Youth Justice child.
    known = ev(1, "yjs", "yjs.outcome", date(2026, 6, 1), open_to_statutory_services=True)
    others = [ev(n, "police", "police.crime", date(2026, 7, n)) for n in (2, 3)]
    swapped = ev(4, "school", "school.suspension", date(2026, 12, 1), birth_month="2009-10")
    assert "transition_to_adulthood" in rules(flags_after(known, *others, swapped))


def test_an_open_record_dated_later_does_not_hide_an_earlier_invisible_child() -> None:
    later_case = ev(
        3, "yjs", "yjs.charge", D0 + timedelta(days=200), open_to_statutory_services=True
    )
    excluded = ev(1, "school", "school.suspension", D0, category="PA", age_at_event=14)
    # The Youth Justice topic was read first: its record arrives before the school's.
    assert "excluded_child_violence" in rules(
        flags_after(later_case, excluded, victim(2, D0 + timedelta(days=10)))
    )


def test_a_late_youth_justice_record_completes_an_approaching_eighteenth() -> None:
    approaching = ev(2, "school", "school.suspension", date(2026, 12, 1))  # 18 on 2027-01-01
    known = ev(1, "yjs", "yjs.outcome", date(2026, 6, 1), open_to_statutory_services=True)
    assert "transition_to_adulthood" in rules(flags_after(approaching, known))
    after = ev(3, "yjs", "yjs.outcome", date(2027, 2, 1), open_to_statutory_services=True)
    assert "transition_to_adulthood" not in rules(flags_after(approaching, after))
