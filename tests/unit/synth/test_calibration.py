"""The synthetic city shows the figures of the city's strategy, within tolerance."""

from __future__ import annotations

import math
from datetime import date

import pytest

from hub.synth.calibration import TARGETS, measure
from hub.synth.truth import read_events
from tests.unit.synth.conftest import Run


@pytest.fixture(scope="module")
def figures(run: Run) -> dict[str, float]:
    events = read_events(run.root / "truth" / "events.csv")
    start = date.fromisoformat(run.manifest["parameters"]["start_date"])
    return measure(events, start).figures()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_figure_within_tolerance(figures: dict[str, float], name: str) -> None:
    target, tolerance = TARGETS[name]
    assert not math.isnan(figures[name])
    assert abs(figures[name] - target) <= tolerance, f"{name}: {figures[name]} vs {target}"


def test_manifest_reports_the_same_figures(run: Run, figures: dict[str, float]) -> None:
    for name, value in figures.items():
        reported = run.manifest["calibration"][name]["measured"]
        assert reported == pytest.approx(value, abs=1e-3) or math.isnan(value)


def test_every_partnership_rule_has_positives(run: Run) -> None:
    positives = run.manifest["rule_positives"]
    assert all(count >= 5 for count in positives.values()), positives


def test_victims_are_mostly_young_adults(run: Run) -> None:
    ages = [int(e["age"]) for e in run.truth("events.csv")
            if e["kind"] == "crime" and e["role"] == "victim"]  # fmt: skip
    ages.sort()
    assert 20 <= ages[len(ages) // 2] <= 34
