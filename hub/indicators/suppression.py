"""Statistical disclosure control: primary and secondary suppression of published counts.

As in UK official statistics: a count of 1 to ``threshold - 1`` is suppressed (primary),
then further cells are suppressed (secondary) until no suppressed value can be worked out
from what is published. The published figures are linked by additive constraints
(``total = sum(parts)``: a row, a column, an area hierarchy), so:

1. in every constraint with exactly one suppressed cell, the smallest other non-zero cell
   is suppressed too (parts before totals), repeated until none is left alone;
2. then the remaining risk, recovery through a *combination* of constraints (a suppressed
   total recomputed from its parts in another table that shares it), is checked exactly:
   with the published values substituted, the constraints are a linear system over the
   suppressed cells, and a cell is recoverable exactly when every solution of the
   homogeneous system leaves it unchanged (its unit vector lies in the row space of the
   system: one reduced SVD per connected group of suppressed cells finds them all). Each
   recoverable cell gets one more secondary suppression, and both steps repeat.

Zeros are published (they are never primary-suppressed and never chosen to protect a cell).
The guarantee is against exact recovery; bounds from non-negativity are not checked.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

CellId = TypeVar("CellId", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Constraint(Generic[CellId]):
    """``total`` equals the sum of ``parts`` (all cells published or suppressed together)."""

    total: CellId
    parts: tuple[CellId, ...]

    @property
    def cells(self) -> tuple[CellId, ...]:
        return (*self.parts, self.total)


def primary(values: Mapping[CellId, int], threshold: int) -> set[CellId]:
    """Cells whose count is small enough to identify someone: 1 .. threshold - 1."""
    return {cell for cell, v in values.items() if 0 < v < threshold}


def suppress(
    values: Mapping[CellId, int], constraints: Sequence[Constraint[CellId]], threshold: int = 5
) -> set[CellId]:
    """Every cell to withhold: primary, then secondary until nothing is recoverable."""
    hidden = primary(values, threshold)
    if not hidden:
        return hidden
    while True:
        _lonely(values, constraints, hidden)
        exposed = recoverable(values, constraints, hidden)
        if not exposed:
            return hidden
        cell = min(exposed, key=repr)  # deterministic order
        choice = _protector(values, constraints, hidden, cell)
        if choice is None:
            return hidden  # every linked non-zero cell is already suppressed
        hidden.add(choice)


def _lonely(
    values: Mapping[CellId, int], constraints: Sequence[Constraint[CellId]], hidden: set[CellId]
) -> None:
    again = True
    while again:
        again = False
        for c in constraints:
            inside = [cell for cell in c.cells if cell in hidden]
            if len(inside) != 1:
                continue
            choice = _smallest(values, hidden, c)
            if choice is not None:
                hidden.add(choice)
                again = True


def _smallest(
    values: Mapping[CellId, int], hidden: set[CellId], c: Constraint[CellId]
) -> CellId | None:
    options = [
        (cell == c.total, values[cell], repr(cell), cell)
        for cell in c.cells
        if cell not in hidden and values[cell] > 0
    ]
    return min(options, key=lambda o: o[:3])[3] if options else None


def _protector(
    values: Mapping[CellId, int],
    constraints: Sequence[Constraint[CellId]],
    hidden: set[CellId],
    cell: CellId,
) -> CellId | None:
    """The smallest non-zero published cell sharing a constraint with ``cell`` or, failing
    that, with any suppressed cell (the recovery then runs through a chain of constraints)."""
    near = [c for c in constraints if cell in c.cells]
    far = [c for c in constraints if any(x in hidden for x in c.cells)]
    return _best(values, near, hidden) or _best(values, far, hidden)


def _best(
    values: Mapping[CellId, int], constraints: Sequence[Constraint[CellId]], hidden: set[CellId]
) -> CellId | None:
    best: tuple[bool, int, str, CellId] | None = None
    for c in constraints:
        for other in c.cells:
            if other in hidden or values[other] <= 0:
                continue
            key = (other == c.total, values[other], repr(other), other)
            if best is None or key[:3] < best[:3]:
                best = key
    return None if best is None else best[3]


def recoverable(
    values: Mapping[CellId, int], constraints: Sequence[Constraint[CellId]], hidden: set[CellId]
) -> set[CellId]:
    """Suppressed cells whose value the published cells and the constraints determine."""
    unknown = sorted(hidden, key=repr)
    index = {cell: i for i, cell in enumerate(unknown)}
    rows = []
    for c in constraints:
        row = np.zeros(len(unknown))
        for cell, sign in ((c.total, 1.0), *((p, -1.0) for p in c.parts)):
            if cell in index:
                row[index[cell]] += sign
        if row.any():
            rows.append(row)
    exposed: set[CellId] = set()
    for component in _components(rows, len(unknown)):
        matrix = np.array([r[component] for r in rows if r[component].any()])
        if matrix.size == 0:
            continue
        _, s, vt = np.linalg.svd(matrix, full_matrices=False)
        rank = int((s > 1e-9 * max(1.0, s[0])).sum())
        # The diagonal of the projector onto the row space: 1 exactly when e_j lies in it,
        # i.e. when the published values pin the cell down.
        leverage = (vt[:rank] ** 2).sum(axis=0)
        for j, column in enumerate(component):
            if leverage[j] > 1 - 1e-9:
                exposed.add(unknown[column])
    return exposed


def _components(rows: list[np.ndarray], n: int) -> list[list[int]]:
    """Groups of unknowns joined by a constraint: solved apart, the systems stay small."""
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in rows:
        members = np.flatnonzero(row)
        for other in members[1:]:
            parent[find(int(other))] = find(int(members[0]))
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())
