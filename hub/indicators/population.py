"""Population denominators: public mid-year estimates by area and single year of age.

The hub cannot learn how many people live in an area from partner events, so it reads the
public estimates (ONS mid-year estimates in real life; ``hub synth`` writes the synthetic
city's own in ``public/population.csv``): ``year,area,age,population`` as at 30 June. The
areas listed are the city's. Partners often record a home only as a postcode district, so
the city's districts (``city_postcode_districts.csv`` beside the population file, one
``district`` column, from a postcode directory) count as the city too.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from pathlib import Path

from hub.errors import ConfigurationError

HEADER = ("year", "area", "age", "population")
DISTRICTS = "city_postcode_districts.csv"


class Population:
    """Mid-year population by (year, area, age); pick the estimate nearest a period."""

    def __init__(
        self, counts: dict[tuple[int, str, int], int], districts: frozenset[str] = frozenset()
    ) -> None:
        if not counts:
            raise ConfigurationError("the population file holds no rows")
        self._by_year: dict[int, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
        for (year, area, age), n in counts.items():
            self._by_year[year][area][age] = n
        self.areas = frozenset(area for y in self._by_year.values() for area in y)
        #: Home-area codes that mean "lives in the city": its areas and postcode districts.
        self.city_homes = self.areas | districts

    def year_for(self, start: date, end: date) -> int:
        """The mid-year (30 June) estimate nearest the middle of the period."""
        middle = start + (end - start) / 2
        return min(self._by_year, key=lambda y: (abs((date(y, 6, 30) - middle).days), -y))

    def total(self, year: int, area: str | None = None, ages: tuple[int, int] = (0, 999)) -> int:
        """Residents of ``area`` (all areas if None) aged within ``ages`` at the mid-year."""
        low, high = ages
        areas = self._by_year[year]
        chosen = areas.values() if area is None else [areas.get(area, {})]
        return sum(n for by_age in chosen for age, n in by_age.items() if low <= age <= high)


def load_population(path: Path) -> Population:
    """Read a population file; a missing or malformed file is a configuration error."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if tuple(reader.fieldnames or ()) != HEADER:
                raise ConfigurationError(f"{path}: expected columns {','.join(HEADER)}")
            counts = {
                (int(row["year"]), row["area"], int(row["age"])): int(row["population"])
                for row in reader
            }
    except OSError as exc:
        raise ConfigurationError(f"cannot read population file {path}: {exc}") from exc
    except ValueError as exc:
        raise ConfigurationError(f"{path}: a year, age or population is not a number") from exc
    districts = path.with_name(DISTRICTS)
    codes: frozenset[str] = frozenset()
    if districts.is_file():
        with districts.open(newline="", encoding="utf-8") as handle:
            codes = frozenset(row["district"] for row in csv.DictReader(handle))
    return Population(counts, codes)
