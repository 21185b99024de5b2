"""Published count tables and the additive constraints that link their cells.

A table has rows (areas) and columns (e.g. male, female, unknown). Its margins are cells too:
column totals over all areas (the top of the area hierarchy), and row totals, which several
tables can share (victims per area is the row total of the sex, age and repeat tables: one
cell, suppressed everywhere or nowhere). A one-column table's rows are its own row totals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hub.indicators.suppression import Constraint

TOTAL = "all"
#: (period, measure, row, column)
Cell = tuple[str, str, str, str]


@dataclass
class Table:
    """Counts by row and column; ``total`` names the row totals (shared between tables)."""

    name: str
    rows: list[str]
    columns: list[str]
    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    total: str | None = None

    def add(self, row: str, column: str, n: int = 1) -> None:
        if row not in self.rows:
            self.rows.append(row)
        self.counts[(row, column)] = self.counts.get((row, column), 0) + n

    def get(self, row: str, column: str) -> int:
        return self.counts.get((row, column), 0)

    def inner(self, period: str, row: str, column: str) -> Cell:
        if row == TOTAL:
            return (period, self.name, TOTAL, column)
        if len(self.columns) == 1:
            return (period, self.name, row, TOTAL)
        return (period, self.name, row, column)

    def row_total(self, period: str, row: str) -> Cell:
        if len(self.columns) == 1:
            return (period, self.name, row, TOTAL)
        return (period, self.total or self.name, row, TOTAL)


def cells_and_constraints(
    tables: Iterable[Table], period: str
) -> tuple[dict[Cell, int], list[Constraint[Cell]]]:
    """Every published cell of the tables (margins included) and what links them."""
    values: dict[Cell, int] = {}
    constraints: list[Constraint[Cell]] = []
    seen_totals: set[str] = set()
    for t in tables:
        single = len(t.columns) == 1
        for row in t.rows:
            parts = [t.inner(period, row, col) for col in t.columns]
            for col, cell in zip(t.columns, parts, strict=True):
                values[cell] = t.get(row, col)
            total = t.row_total(period, row)
            values[total] = sum(t.get(row, col) for col in t.columns)
            if not single:
                constraints.append(Constraint(total, tuple(parts)))
        grand = t.row_total(period, TOTAL)
        values[grand] = sum(t.counts.values())
        for col in t.columns if not single else []:
            column_total = t.inner(period, TOTAL, col)
            values[column_total] = sum(t.get(row, col) for row in t.rows)
            constraints.append(
                Constraint(column_total, tuple(t.inner(period, r, col) for r in t.rows))
            )
        if not single:
            columns = tuple(t.inner(period, TOTAL, col) for col in t.columns)
            constraints.append(Constraint(grand, columns))
        series = t.total or t.name
        if series not in seen_totals:  # the area hierarchy of the row totals, once per series
            seen_totals.add(series)
            constraints.append(Constraint(grand, tuple(t.row_total(period, r) for r in t.rows)))
    return values, constraints
