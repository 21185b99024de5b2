"""From suppressed count tables to the indicators: values, trends and what was withheld.

A figure derived from a suppressed count is withheld too; population denominators are
public and never suppressed. Shares compare with the previous period in percentage points,
counts and rates in per cent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.errors import ConfigurationError
from hub.indicators import definitions as D
from hub.indicators.compute import OTHER, Period, build_tables
from hub.indicators.events import IndicatorEvent
from hub.indicators.population import Population
from hub.indicators.suppression import suppress
from hub.indicators.tables import TOTAL, Cell, Table, cells_and_constraints

CURRENT, PREVIOUS = "current", "previous"


@dataclass(frozen=True, slots=True)
class Figure:
    """One indicator for one area and period; ``None`` where withheld or not defined."""

    indicator: str
    area: str
    kind: str  # "count", "rate" (per 1,000 residents) or "share" (0..1)
    numerator: int | None
    denominator: int | None
    value: float | None
    suppressed: bool


@dataclass(frozen=True, slots=True)
class Trend:
    current: Figure
    previous: Figure

    @property
    def change(self) -> float | None:
        """Percentage points for shares; per cent for counts and rates."""
        now, before = self.current.value, self.previous.value
        if now is None or before is None:
            return None
        if self.current.kind == "share":
            return (now - before) * 100
        return None if before == 0 else (now - before) / before * 100


@dataclass
class Published:
    """Both periods' tables, their suppressed cells, and every indicator with its trend."""

    period: Period
    previous: Period
    threshold: int
    population_year: int
    areas: list[str]
    tables: dict[str, list[Table]]
    cells: dict[Cell, int]
    hidden: set[Cell]
    trends: dict[tuple[str, str], Trend]

    def cell(self, cell: Cell) -> int | None:
        return None if cell in self.hidden else self.cells[cell]


def publish(
    events: Sequence[IndicatorEvent],
    population: Population,
    period: Period,
    *,
    threshold: int = 5,
    areas: Iterable[str] | None = None,
) -> Published:
    """Every indicator for ``period`` and the one before it, after disclosure control."""
    chosen = sorted(areas if areas is not None else population.areas)
    unknown = set(chosen) - population.areas
    if unknown:
        raise ConfigurationError(f"areas not in the population file: {', '.join(sorted(unknown))}")
    previous = period.previous()
    tables, cells, hidden = {}, {}, set()
    for label, p in ((CURRENT, period), (PREVIOUS, previous)):
        tables[label] = build_tables(events, p, population.areas, population.city_homes)
        values, constraints = cells_and_constraints(tables[label], label)
        cells.update(values)
        hidden |= suppress(values, constraints, threshold)
    out = Published(
        period, previous, threshold, population.year_for(period.start, period.end),
        [*chosen, OTHER, TOTAL] if areas is None else chosen, tables, cells, hidden, {},
    )  # fmt: skip
    years = {CURRENT: out.population_year, PREVIOUS: population.year_for(previous.start,
                                                                         previous.end)}  # fmt: skip
    for area in out.areas:
        now = _figures(out, CURRENT, area, population, years[CURRENT])
        before = _figures(out, PREVIOUS, area, population, years[PREVIOUS])
        for key, fig in now.items():
            out.trends[(key, area)] = Trend(fig, before[key])
    return out


def _figures(
    out: Published, period: str, area: str, population: Population, year: int
) -> dict[str, Figure]:
    pop = population.total(year, None if area == TOTAL else area)
    cohort = population.total(year, None if area == TOTAL else area, D.COHORT_AGES)
    figs: dict[str, Figure] = {}

    def count(name: str, table: str) -> int | None:
        figs[name] = _count(out, period, name, (period, table, area, TOTAL))
        return figs[name].numerator

    def rate(name: str, n: int | None, per: int, den: int, kind: str) -> None:
        ok = n is not None and den > 0 and area != OTHER
        value = (n * per / den) if ok and n is not None else None
        figs[name] = Figure(name, area, kind, n, den, value, n is None)

    def share(name: str, series: str, table: str, column: str) -> None:
        num = out.cell((period, table, area, column))
        den = out.cell((period, series, area, TOTAL))
        value = num / den if num is not None and den else None
        figs[name] = Figure(name, area, "share", num, den, value, num is None or den is None)

    rate("sv_offence_rate", count("sv_offences", "sv_offences"), 1000, pop, "rate")
    rate("homicide_rate", count("homicides", "homicides"), 1000, pop, "rate")
    count("victims", "victims")
    share("victims_male_share", "victims", "victims_by_sex", "M")
    share("victims_repeat_share", "victims", "victims_by_history", "repeat")
    for label, _, _ in D.AGE_BANDS:
        share(f"victims_aged_{label}_share", "victims", "victims_by_age", label)
    count("suspects", "suspects")
    share("suspects_linked_share", "suspects", "suspects_by_history", "linked")
    share("suspects_in_city_share", "suspects", "suspects_by_home", "city")
    rate("youth_excluded_share", count("youth_excluded", "youth_excluded"), 1, cohort, "share")
    if area != TOTAL and not _placed(out, period, "youth_excluded"):
        # Schools record a home postcode district, not an area: no share per area.
        figs["youth_excluded_share"] = Figure(
            "youth_excluded_share", area, "share", None, cohort, None, False
        )
    return figs


def _placed(out: Published, period: str, table: str) -> bool:
    """Whether any of the table's counts fell in one of the city's areas."""
    (found,) = [t for t in out.tables[period] if t.name == table]
    return any(n for (row, _), n in found.counts.items() if row != OTHER)


def _count(out: Published, period: str, name: str, cell: Cell) -> Figure:
    n = out.cell(cell)
    return Figure(name, cell[2], "count", n, None, None if n is None else float(n), n is None)
