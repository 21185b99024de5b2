"""Routing: panels per flag, continue, Engage per area, repeat interval, silences, fields."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hub.errors import ConfigurationError
from hub.routing.config import Silence, load_routing
from hub.routing.router import panels_for, route

ROUTING = load_routing()


def flag(rule: str, on: str = "2025-06-01", **attributes: str) -> dict[str, Any]:
    attrs = {
        "rule": rule,
        "age_band": "14-17",
        "age": "15",
        "area": "ZY1",
        "partners": "police",
        "group_offence": "false",
        "youth_custody": "false",
        **attributes,
    }
    return {
        "flag_id": f"f-{rule}-{on}",
        "rule_id": rule,
        "person_id": "p-1",
        "occurred_on": on,
        "evidence": [
            {
                "event_id": "e1",
                "partner": "police",
                "occurred_on": on,
                "category": "gbh_s18",
                "source_record_ref": "tok",
            }
        ],
        "attributes": attrs,
    }


@pytest.mark.parametrize(
    ("rule", "attributes", "panels"),
    [
        ("repeat_victim", {"partners": "ed,police"}, ["complex-safeguarding", "ed-navigators"]),
        ("repeat_victim", {"age_band": "26+"}, []),
        ("excluded_child_violence", {}, ["engage-ZY1", "safe-taskforce"]),
        ("repeat_suspect", {"age_band": "18-25"}, ["another-chance"]),
        ("prison_release", {"youth_custody": "true"}, ["shift"]),
        ("prison_release", {"age_band": "26+"}, ["iom"]),
        ("transition_to_adulthood", {}, ["transitions"]),
        ("several_agencies", {"age_band": "26+"}, ["sv-hub"]),
    ],
)
def test_each_rule_reaches_its_panels(
    rule: str, attributes: dict[str, str], panels: list[str]
) -> None:
    assert panels_for(ROUTING, flag(rule, **attributes)["attributes"]) == panels


def test_one_alert_per_panel_groups_a_persons_flags() -> None:
    alerts, _ = route(ROUTING, [flag("repeat_victim"), flag("several_agencies")], {})
    by_panel = {a["panel"]: a["rules"] for a in alerts}
    assert by_panel["complex-safeguarding"] == ["repeat_victim"]
    assert by_panel["yj-prevention"] == ["several_agencies"]


def test_repeat_interval_holds_back_the_same_rule_for_the_same_person() -> None:
    first, memory = route(ROUTING, [flag("repeat_suspect", "2025-06-01")], {})
    again, memory = route(ROUTING, [flag("repeat_suspect", "2025-06-20")], memory)
    later, _ = route(ROUTING, [flag("repeat_suspect", "2025-07-01")], memory)
    assert (len(first), len(again), len(later)) == (1, 0, 1)


def test_active_silences_suppress_and_expired_ones_do_not() -> None:
    silence = Silence(
        panel="another-chance",
        until=date(2025, 6, 30),
        reason="held by YOT",
        author="chair",
        rule="repeat_suspect",
    )
    routing = ROUTING.model_copy(update={"silences": [silence]})
    assert route(routing, [flag("repeat_suspect", "2025-06-10")], {})[0] == []
    assert len(route(routing, [flag("repeat_suspect", "2025-07-01")], {})[0]) == 1


def test_a_panel_sees_only_its_fields() -> None:
    alerts, _ = route(ROUTING, [flag("repeat_victim", partners="ed,police")], {})
    navigators = next(a for a in alerts if a["panel"] == "ed-navigators")
    assert set(navigators["fields"]) <= {"age_band"}
    assert navigators["evidence"][0]["source_record_ref"] == ""
    assert navigators["evidence"][0]["partner"] == "police"
    safeguarding = next(a for a in alerts if a["panel"] == "complex-safeguarding")
    assert safeguarding["evidence"][0]["source_record_ref"] == "tok"


def test_alert_ids_are_deterministic() -> None:
    assert (
        route(ROUTING, [flag("repeat_suspect")], {})[0]
        == route(ROUTING, [flag("repeat_suspect")], {})[0]
    )


def test_unknown_panels_and_fields_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "routing.yaml"
    bad.write_text(
        "routes:\n  - match: {rule: x}\n    panel: fire-service\nfields: {default: []}\n"
    )
    with pytest.raises(ConfigurationError, match="fire-service"):
        load_routing(bad)
