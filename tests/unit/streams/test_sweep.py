"""Time-based rules on a timer, with an injected clock: due once, never twice."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from hub.rules.clock import due
from hub.rules.engine import evaluate
from hub.rules.policy import load_policy
from hub.rules.timeline import add, entry
from hub.streams.sweep import Sweeper
from tests.unit.streams.test_rules_step import flags_sent, linked, make_step, run_batch

POLICY = load_policy()

BASE: dict[str, Any] = {
    "role": None,
    "category": None,
    "violent": False,
    "group_offence": False,
    "age_at_event": 17,
    "birth_month": "2008-03",
    "area": "E01000001",
    "open_to_statutory_services": None,
    "release_date": None,
    "gravity_score": None,
}


def ev(n: int, kind: str, on: date, partner: str = "yjs", **facts: Any) -> dict[str, Any]:
    return entry(f"e{n}", partner, f"ref{n}", {**BASE, "kind": kind, "occurred_on": on, **facts})


def test_an_approaching_18th_birthday_is_due_within_the_lead_days() -> None:
    # 18th birthday: 2026-03-01 (1st of the birth month); lead 90 days, window 730 days
    timeline = [ev(1, "yjs.outcome", date(2025, 9, 1))]
    assert due(POLICY, "p-1", timeline, date(2025, 11, 30)) == []  # 91 days ahead
    (flag,) = due(POLICY, "p-1", timeline, date(2025, 12, 1))  # 90 days ahead
    assert flag["rule_id"] == "transition_to_adulthood"
    assert [e["event_id"] for e in flag["evidence"]] == ["e1"]
    assert due(POLICY, "p-1", timeline, date(2026, 3, 1))  # the day itself
    assert due(POLICY, "p-1", timeline, date(2026, 3, 2)) == []  # past


def test_adulthood_needs_services_involvement_within_the_window() -> None:
    old = [ev(1, "yjs.outcome", date(2023, 11, 1))]  # 760 days before the sweep
    assert due(POLICY, "p-1", old, date(2025, 12, 1)) == []
    school_only = [ev(2, "school.suspension", date(2025, 9, 1), partner="school")]
    assert due(POLICY, "p-1", school_only, date(2025, 12, 1)) == []


def test_a_scheduled_release_is_due_ahead_of_its_date_with_the_engines_flag_id() -> None:
    history = ev(
        1,
        "police.crime",
        date(2025, 6, 1),
        partner="police",
        role="suspect",
        category="gbh_s18",
        violent=True,
    )
    scheduled = ev(
        2,
        "prison.release_scheduled",
        date(2025, 9, 1),
        partner="prison",
        release_date=date(2026, 5, 1),
        category="VIOLENCE_AGAINST_THE_PERSON",
        violent=True,
    )
    timeline, _ = add([history], scheduled, POLICY.longest_window)
    assert due(POLICY, "p-1", timeline, date(2026, 3, 5)) == []  # 57 days ahead: not yet
    (flag,) = due(POLICY, "p-1", timeline, date(2026, 3, 6))  # 56 days ahead
    assert flag["rule_id"] == "prison_release"
    at_arrival = evaluate(POLICY, "p-1", timeline, scheduled)
    assert [f["flag_id"] for f in at_arrival] == [flag["flag_id"]]  # one flag, one id
    assert due(POLICY, "p-1", timeline, date(2026, 5, 2)) == []  # released already


def test_the_sweep_raises_a_due_flag_once_and_routes_it() -> None:
    step, sender, _ = make_step()
    run_batch(
        step,
        linked(
            "e1",
            "p-a",
            date(2025, 9, 1),
            partner="yjs",
            kind="yjs.outcome",
            birth_month="2008-03",
            age_at_event=17,
            violent=False,
            role=None,
            category=None,
        ),
    )
    assert flags_sent(sender) == []  # at arrival the birthday is six months away
    today = [date(2025, 11, 1)]
    sweeper = Sweeper(step, lambda: today[0])
    assert asyncio.run(sweeper.run()) == 0
    today[0] = date(2025, 12, 15)
    assert asyncio.run(sweeper.run()) == 1
    (flag,) = flags_sent(sender)
    assert (flag["rule_id"], flag["person_id"]) == ("transition_to_adulthood", "p-a")
    assert any(t.startswith("alerts.") for t, _, _ in sender.records)
    today[0] = date(2025, 12, 16)
    assert asyncio.run(sweeper.run()) == 0  # remembered: not sent again
    assert len(flags_sent(sender)) == 1
