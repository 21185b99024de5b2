"""Each indicator, computed from linked pseudonymous events, against the person-true value
computed straight from the generator's ground truth (true ids, true sex, age and region)."""

from __future__ import annotations

import math

import pytest

from hub.indicators.figures import CURRENT, PREVIOUS, publish
from hub.indicators.tables import TOTAL, cells_and_constraints
from hub.indicators.truth import figures, true_figures
from hub.synth.truth import read_events
from tests.unit.indicators.conftest import PERIOD, Linked
from tests.unit.indicators.proof import alternative_tables

SHARES = ("victims_male_share", "victims_repeat_share", "suspects_linked_share",
          "suspects_in_city_share", "youth_excluded_share", "victims_aged_18-24_share",
          "victims_aged_25-34_share", "victims_aged_35-49_share")  # fmt: skip
COUNTS = ("sv_offences", "homicides", "victims", "suspects", "youth_excluded")


@pytest.fixture(scope="module")
def truth(linked: Linked) -> dict[str, float]:
    return true_figures(linked.root / "synth", linked.population, PERIOD)


def test_the_partnership_is_big_enough_to_measure(truth: dict[str, float]) -> None:
    assert truth["victims"] >= 80
    assert truth["suspects"] >= 80
    assert truth["sv_offences"] >= 40
    assert truth["youth_excluded"] >= 30


@pytest.mark.parametrize("indicator", COUNTS)
def test_counts_match_the_truth(linked: Linked, truth: dict[str, float], indicator: str) -> None:
    fig = linked.published.trends[(indicator, TOTAL)].current
    if fig.value is None:  # withheld: the truth must then be a small number too
        assert truth[indicator] < 10
        return
    # Offences, victims and suspects are records: linkage cannot change them. Excluded
    # children are people: a person the linker splits in two would count twice.
    assert fig.value == pytest.approx(truth[indicator], rel=0.03, abs=1)


@pytest.mark.parametrize("indicator", SHARES)
def test_shares_within_sampling_tolerance(
    linked: Linked, truth: dict[str, float], indicator: str
) -> None:
    fig = linked.published.trends[(indicator, TOTAL)].current
    assert fig.value is not None
    assert fig.denominator
    p = truth[indicator]
    # Two standard errors of a share over this many people, and never tighter than 2 points:
    # recording noise (an unknown sex, a wrong birth date) moves a few people between cells.
    tolerance = max(0.02, 2 * math.sqrt(p * (1 - p) / fig.denominator))
    assert fig.value == pytest.approx(p, abs=tolerance), (fig.value, p, tolerance)


def test_rates_use_the_public_population(linked: Linked, truth: dict[str, float]) -> None:
    fig = linked.published.trends[("sv_offence_rate", TOTAL)].current
    pop = linked.population.total(linked.population.year_for(PERIOD.start, PERIOD.end))
    assert fig.denominator == pop
    assert fig.value == pytest.approx(truth["sv_offence_rate"], rel=0.03)


def test_trend_is_measured_against_the_previous_year(linked: Linked) -> None:
    events = read_events(linked.root / "synth" / "truth" / "events.csv")
    before = figures(events, linked.population, PERIOD.previous())
    trend = linked.published.trends[("sv_offences", TOTAL)]
    assert trend.previous.value == pytest.approx(before["sv_offences"], rel=0.03, abs=1)
    assert trend.change is not None
    expected = (trend.current.value - trend.previous.value) / trend.previous.value * 100  # type: ignore[operator]
    assert trend.change == pytest.approx(expected)


def test_area_counts_add_up_to_the_city(linked: Linked) -> None:
    pub = linked.published
    for table in pub.tables[CURRENT]:
        total = sum(table.counts.values())
        assert total == pub.cells[(CURRENT, table.total or table.name, TOTAL, TOTAL)]


def test_small_areas_are_suppressed_and_nothing_withheld_can_be_recomputed(linked: Linked) -> None:
    pub = publish(linked.events, linked.population, PERIOD, threshold=5)
    assert pub.hidden, "a city of small areas must have withheld cells"
    published = {c: v for c, v in pub.cells.items() if c not in pub.hidden}
    assert not [c for c, v in published.items() if 0 < v < 5]
    for label in (CURRENT, PREVIOUS):
        values, constraints = cells_and_constraints(pub.tables[label], label)
        hidden = {c for c in pub.hidden if c[0] == label}
        assert hidden - alternative_tables(values, constraints, hidden).keys() == set()
    # A withheld count never leaks through a figure derived from it.
    for t in pub.trends.values():
        if t.current.numerator is None:
            assert t.current.value is None
            assert t.change is None


def test_a_higher_threshold_withholds_more(linked: Linked) -> None:
    low = publish(linked.events, linked.population, PERIOD, threshold=3)
    high = publish(linked.events, linked.population, PERIOD, threshold=10)
    assert len(low.hidden) < len(high.hidden)
    assert not [c for c, v in high.cells.items() if c not in high.hidden and 0 < v < 10]
