"""One seeded synthetic partnership, linked offline, shared by the indicator tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from hub.config import ConnectorSettings
from hub.indicators.compute import Period
from hub.indicators.events import IndicatorEvent
from hub.indicators.figures import Published, publish
from hub.indicators.offline import linked_events
from hub.indicators.population import Population, load_population
from hub.synth.exports import FOLDER_OF_PARTNER
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership

PEOPLE, SEED = 5_000, 21
#: The last year of the default three-year run: a full year of history behind it.
PERIOD = Period(date(2025, 10, 1), date(2026, 9, 30))


@dataclass(frozen=True)
class Linked:
    root: Path
    events: list[IndicatorEvent]
    population: Population
    published: Published


@pytest.fixture(scope="session")
def linked(tmp_path_factory: pytest.TempPathFactory) -> Linked:
    root = tmp_path_factory.mktemp("indicators")
    generate(SynthParams(people=PEOPLE, seed=SEED), root / "synth")
    generate_partnership(root / "keys", list(FOLDER_OF_PARTNER), ["panels"])
    events = linked_events(root / "synth", ConnectorSettings(keys_dir=root / "keys"))
    population = load_population(root / "synth" / "public" / "population.csv")
    return Linked(root, events, population, publish(events, population, PERIOD))
