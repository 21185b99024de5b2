"""Disclosure control and indicators at city scale: how long suppression takes as areas grow.

Part 1 builds the victims' sex and age tables (sharing their per-area totals, as the report
does) for N areas with 5-60 victims each and times primary + secondary suppression,
including the exact recoverability check. Part 2 links a synthetic partnership offline and
times the whole `publish` (both periods).

    .venv/bin/python bench/bench_indicators.py [--areas 50 200 700] [--people 20000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from hub.config import ConnectorSettings
from hub.indicators.compute import Period
from hub.indicators.figures import publish
from hub.indicators.offline import linked_events
from hub.indicators.population import load_population
from hub.indicators.suppression import suppress
from hub.indicators.tables import Table, cells_and_constraints
from hub.synth.exports import FOLDER_OF_PARTNER
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership


def tables(areas: int, rng: random.Random) -> list[Table]:
    rows = [f"A{i:04d}" for i in range(areas)]
    sex = Table("sex", list(rows), ["M", "F", "U"], total="victims")
    age = Table("age", list(rows), ["a", "b", "c", "d", "e", "f", "u"], total="victims")
    for row in rows:
        for _ in range(rng.randint(5, 60)):
            sex.add(row, rng.choices(sex.columns, [0.78, 0.21, 0.01])[0])
            age.add(row, rng.choices(age.columns, [10, 25, 35, 20, 7, 2, 1])[0])
    return [sex, age]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, nargs="*", default=[50, 200, 700])
    parser.add_argument("--people", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(1)
    print("areas  cells  withheld  seconds")
    for n in args.areas:
        values, constraints = cells_and_constraints(tables(n, rng), "p")
        started = time.perf_counter()
        hidden = suppress(values, constraints, 5)
        print(f"{n:5d}  {len(values):5d}  {len(hidden):8d}  {time.perf_counter() - started:7.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(SynthParams(people=args.people, seed=3), root / "synth")
        generate_partnership(root / "keys", list(FOLDER_OF_PARTNER), ["panels"])
        started = time.perf_counter()
        events = linked_events(root / "synth", ConnectorSettings(keys_dir=root / "keys"))
        linked = time.perf_counter() - started
        population = load_population(root / "synth" / "public" / "population.csv")
        started = time.perf_counter()
        pub = publish(events, population, Period(date(2025, 10, 1), date(2026, 9, 30)))
        took = time.perf_counter() - started
        print(f"{args.people:,} people: {len(events):,} events linked offline in {linked:.2f} s; "
              f"publish ({len(population.areas)} areas, {len(pub.cells):,} cells, "
              f"{len(pub.hidden):,} withheld) in {took:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
