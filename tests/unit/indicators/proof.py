"""An independent proof that suppressed cells cannot be recovered from what is published.

Exact rational arithmetic (no floating point, unlike hub.indicators.suppression): the
constraints, with published values substituted, are reduced to row echelon form over the
suppressed cells. For every suppressed cell the proof *constructs* a second table that is
non-negative, agrees with every published figure and every total, and differs in that cell.
If it cannot, the cell is exposed.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction
from math import lcm

from hub.indicators.suppression import Constraint


def alternative_tables(
    values: Mapping[Hashable, int],
    constraints: Sequence[Constraint[Hashable]],
    hidden: set[Hashable],
) -> dict[Hashable, dict[Hashable, int]]:
    """For each hidden cell, another consistent non-negative assignment of the hidden cells."""
    unknown = sorted(hidden, key=repr)
    col = {c: i for i, c in enumerate(unknown)}
    rows = []
    for c in constraints:
        row = [Fraction(0)] * len(unknown)
        for cell, sign in ((c.total, 1), *((p, -1) for p in c.parts)):
            if cell in col:
                row[col[cell]] += sign
        if any(row):
            rows.append(row)
    pivots = _rref(rows, len(unknown))
    pivot_columns = set(pivots.values())
    free = [j for j in range(len(unknown)) if j not in pivot_columns]
    basis = []
    for f in free:  # one null-space vector per free column
        v = [Fraction(0)] * len(unknown)
        v[f] = Fraction(1)
        for r, p in pivots.items():
            v[p] = -rows[r][f]
        scale = lcm(*(x.denominator for x in v))
        basis.append([int(x * scale) for x in v])
    truth = [values[c] for c in unknown]
    out: dict[Hashable, dict[Hashable, int]] = {}
    for j, cell in enumerate(unknown):
        for v in (b for b in basis if b[j]):
            for t in (1, -1, 2, -2, 3, -3):
                other = [x + t * d for x, d in zip(truth, v, strict=True)]
                if min(other) >= 0:
                    out[cell] = dict(zip(unknown, other, strict=True))
                    break
            if cell in out:
                break
    return out


def _rref(rows: list[list[Fraction]], n: int) -> dict[int, int]:
    """Reduce in place; return {row index: pivot column}."""
    pivots: dict[int, int] = {}
    r = 0
    for c in range(n):
        found = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if found is None:
            continue
        rows[r], rows[found] = rows[found], rows[r]
        lead = rows[r][c]
        rows[r] = [x / lead for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                k = rows[i][c]
                rows[i] = [a - k * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots[r] = c
        r += 1
    return pivots


def check_consistent(
    values: Mapping[Hashable, int],
    constraints: Sequence[Constraint[Hashable]],
    alternative: Mapping[Hashable, int],
) -> bool:
    """The alternative agrees with every constraint, published cells unchanged."""
    merged = {**values, **alternative}
    return all(merged[c.total] == sum(merged[p] for p in c.parts) for c in constraints)
