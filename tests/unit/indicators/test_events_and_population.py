"""The facts the indicators need travel in LinkedEvent; older events and bad files are handled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hub.contracts.codec import Codec
from hub.errors import ConfigurationError
from hub.indicators.compute import Period, last_months, month_end
from hub.indicators.events import IndicatorEvent, deduplicated, from_linked
from hub.indicators.population import load_population
from tests.unit.indicators.conftest import Linked


def _linked(facts: dict[str, object]) -> dict[str, object]:
    return {
        "event_id": "e1",
        "partner": "police",
        "source_record_ref": "ref-token",
        "person_id": "p1",
        "link_method": "exact",
        "link_score": 1.0,
        "facts": facts,
        "sealed": None,
        "linked_at": datetime(2026, 1, 1, tzinfo=UTC),
    }


BASE = {
    "kind": "police.crime", "occurred_on": date(2026, 1, 2), "violent": True,
    "group_offence": False, "role": "victim", "category": "gbh_s18", "age_at_event": 19,
}  # fmt: skip


def test_linked_event_carries_sex_crime_and_location_through_avro() -> None:
    codec = Codec()
    facts = {**BASE, "sex": "F", "crime_ref": "crime-token", "location_area": "E01900001"}
    _, decoded = codec.decode(codec.encode("LinkedEvent", _linked(facts)))
    event = from_linked(decoded)
    assert (event.sex, event.crime_ref, event.location_area) == ("F", "crime-token", "E01900001")
    assert event.age == 19


def test_an_event_written_without_the_new_fields_still_counts() -> None:
    """A producer on the released schema omits them: the defaults (null) apply."""
    codec = Codec()
    _, decoded = codec.decode(codec.encode("LinkedEvent", _linked(dict(BASE))))
    event = from_linked(decoded)
    assert event.sex is None
    assert event.crime_ref is None
    assert event.location_area is None


def test_real_linked_events_carry_the_new_facts(linked: Linked) -> None:
    police = [e for e in linked.events if e.kind == "police.crime"]
    assert all(e.crime_ref and e.location_area for e in police)
    assert {e.sex for e in linked.events} >= {"M", "F"}
    ed = [e for e in linked.events if e.kind == "ed.assault_attendance"]
    assert any(e.location_area for e in ed)


def test_versions_and_redeliveries_count_once_and_merges_are_followed() -> None:
    def ev(record: str, person: str) -> IndicatorEvent:
        return IndicatorEvent(person, "police", record, "police.crime", date(2026, 1, 1),
                              "victim", "gbh_s18", "M", 20, None, None, "c")  # fmt: skip

    merges = {"p2": "p1"}
    out = deduplicated([ev("r1", "p1"), ev("r1", "p1"), ev("r2", "p2")], lambda p: merges.get(p, p))
    assert [(e.record, e.person_id) for e in out] == [("r1", "p1"), ("r2", "p1")]


def test_periods() -> None:
    assert month_end(date(2026, 2, 3)) == date(2026, 2, 28)
    assert month_end(date(2026, 12, 31)) == date(2026, 12, 31)
    period = last_months(date(2026, 9, 30), 12)
    assert period == Period(date(2025, 10, 1), date(2026, 9, 30))
    assert period.previous() == Period(date(2024, 10, 1), date(2025, 9, 30))
    assert period.previous().days == period.days


def test_population_file_problems_are_configuration_errors(tmp_path: Path) -> None:
    bad = tmp_path / "population.csv"
    bad.write_text("area,people\nE01,3\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="expected columns"):
        load_population(bad)
    bad.write_text("year,area,age,population\n2026,E01,ten,3\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="not a number"):
        load_population(bad)
    with pytest.raises(ConfigurationError, match="cannot read"):
        load_population(tmp_path / "missing.csv")


def test_population_picks_the_mid_year_nearest_the_period(linked: Linked) -> None:
    pop = linked.population
    assert pop.year_for(date(2025, 10, 1), date(2026, 9, 30)) == 2026
    assert pop.year_for(date(2024, 10, 1), date(2025, 9, 30)) == 2025
    assert pop.total(2026) > pop.total(2026, ages=(5, 15)) > 0
    assert "ZY1" in pop.city_homes
