"""Public statistics about the synthetic city: what a real partnership downloads, not links.

A real partnership takes its population denominators from the ONS mid-year estimates (LSOA
population by single year of age, as at 30 June). The hub cannot learn them from partner
events, so ``hub synth`` writes the synthetic city's own estimates beside its exports, in
the same shape: ``public/population.csv`` with ``year,area,age,population`` (age 90 means 90
and over). Counted from the true people: residents alive and living in the area on 30 June.

Partners record a person's home area coarsely (the connectors keep a postcode district when
they have no LSOA), so ``public/city_postcode_districts.csv`` lists the city's postcode
districts, as a postcode directory would: a home there is a home in the city.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from hub.synth.population import Person

POPULATION_HEADER = ("year", "area", "age", "population")
OLDEST = 90


class PopulationTally:
    """Mid-year population by area and age, added up chunk by chunk."""

    def __init__(self, start: date, end: date) -> None:
        # Every 30 June in the period, and the one before it, so each period has a mid-year.
        self.mid_years = [
            date(y, 6, 30) for y in range(start.year - 1, end.year + 1) if date(y, 6, 30) <= end
        ]
        self.counts: Counter[tuple[int, str, int]] = Counter()
        self.districts: set[str] = set()

    def add(self, people: Iterable[Person]) -> None:
        for person in people:
            if not person.resident:
                continue
            self.districts.update(a.postcode.split()[0] for _, a in person.home)
            for mid in self.mid_years:
                if mid >= person.died or person.dob > mid:
                    continue
                address = person.address_at(mid)
                age = min(person.age_at(mid), OLDEST)
                self.counts[(mid.year, address.area, age)] += 1

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "population.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(POPULATION_HEADER)
            for (year, area, age), n in sorted(self.counts.items()):
                writer.writerow((year, area, age, n))
        with (folder / "city_postcode_districts.csv").open("w", encoding="utf-8") as handle:
            handle.write("district\n" + "".join(f"{d}\n" for d in sorted(self.districts)))
        return path
