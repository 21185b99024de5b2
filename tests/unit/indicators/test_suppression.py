"""Primary and secondary suppression, with proofs that nothing withheld can be recomputed."""

from __future__ import annotations

from collections.abc import Hashable

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.indicators.suppression import Constraint, primary, recoverable, suppress
from hub.indicators.tables import TOTAL, Table, cells_and_constraints
from tests.unit.indicators.proof import alternative_tables, check_consistent


def _prove(values: dict, constraints: list, hidden: set) -> None:  # type: ignore[type-arg]
    alternatives = alternative_tables(values, constraints, hidden)
    exposed = hidden - alternatives.keys()
    assert not exposed, f"recoverable from the published totals: {exposed}"
    for cell, alternative in alternatives.items():
        assert alternative[cell] != values[cell]
        assert check_consistent(values, constraints, alternative)


def test_primary_withholds_one_to_threshold_minus_one_and_publishes_zero() -> None:
    values = {"a": 0, "b": 1, "c": 4, "d": 5, "e": 100}
    assert primary(values, 5) == {"b", "c"}
    assert primary(values, 10) == {"b", "c", "d"}


def test_one_small_area_takes_the_next_smallest_with_it() -> None:
    areas = {"A": 3, "B": 10, "C": 12, "D": 40}
    values: dict[Hashable, int] = {**areas, "total": sum(areas.values())}
    constraints = [Constraint("total", tuple(areas))]
    hidden = suppress(values, constraints, 5)
    assert hidden == {"A", "B"}  # B is the smallest other cell; the total stays published
    _prove(values, constraints, hidden)


def test_without_secondary_suppression_the_small_cell_is_recoverable() -> None:
    values: dict[Hashable, int] = {"A": 3, "B": 10, "total": 13}
    constraints = [Constraint("total", ("A", "B"))]
    assert recoverable(values, constraints, {"A"}) == {"A"}  # 13 - 10
    assert alternative_tables(values, constraints, {"A"}) == {}  # the proof agrees


def test_a_row_of_zeros_protects_with_its_total() -> None:
    values: dict[Hashable, int] = {"A": 3, "B": 0, "C": 0, "total": 3}
    constraints = [Constraint("total", ("A", "B", "C"))]
    hidden = suppress(values, constraints, 5)
    assert hidden == {"A", "total"}  # zeros protect nothing; the total must go


def _table(name: str, counts: dict[tuple[str, str], int], columns: list[str]) -> Table:
    rows = sorted({r for r, _ in counts})
    return Table(name, rows, columns, dict(counts), total="victims")


def test_two_way_table_with_margins_and_area_hierarchy() -> None:
    counts = {
        ("A1", "M"): 30, ("A1", "F"): 3, ("A1", "U"): 0,
        ("A2", "M"): 25, ("A2", "F"): 12, ("A2", "U"): 0,
        ("A3", "M"): 40, ("A3", "F"): 9, ("A3", "U"): 1,
    }  # fmt: skip
    values, constraints = cells_and_constraints([_table("sex", counts, ["M", "F", "U"])], "p")
    hidden = suppress(values, constraints, 5)
    assert ("p", "sex", "A1", "F") in hidden
    assert ("p", "sex", "A3", "U") in hidden
    # Every line (row, column, total row) with a withheld cell has at least two.
    for c in constraints:
        assert len(hidden & set(c.cells)) != 1, c
    assert ("p", "victims", TOTAL, TOTAL) not in hidden  # the grand total survives
    _prove(values, constraints, hidden)


def test_tables_sharing_a_total_are_suppressed_together() -> None:
    """Victims per area is the row total of both the sex and the age table: withholding it in
    one and publishing it in the other would undo the protection."""
    sex = {("A1", "M"): 6, ("A1", "F"): 2, ("A2", "M"): 20, ("A2", "F"): 15}
    age = {("A1", "young"): 5, ("A1", "old"): 3, ("A2", "young"): 18, ("A2", "old"): 17}
    tables = [_table("sex", sex, ["M", "F"]), _table("age", age, ["young", "old"])]
    values, constraints = cells_and_constraints(tables, "p")
    assert values[("p", "victims", "A1", TOTAL)] == 8  # one cell, shared by both tables
    hidden = suppress(values, constraints, 5)
    assert ("p", "sex", "A1", "F") in hidden
    assert ("p", "age", "A1", "old") in hidden
    _prove(values, constraints, hidden)


def test_one_column_table_protects_its_area_total() -> None:
    t = Table("offences", ["A1", "A2", "A3"], ["count"], {("A1", "count"): 2,
              ("A2", "count"): 7, ("A3", "count"): 30})  # fmt: skip
    values, constraints = cells_and_constraints([t], "p")
    hidden = suppress(values, constraints, 5)
    assert hidden == {("p", "offences", "A1", TOTAL), ("p", "offences", "A2", TOTAL)}
    _prove(values, constraints, hidden)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 4).flatmap(
        lambda rows: st.integers(2, 3).flatmap(
            lambda cols: st.lists(
                st.integers(0, 25), min_size=rows * cols, max_size=rows * cols
            ).map(lambda v: (rows, cols, v))
        )
    )
)
def test_random_tables_never_expose_a_withheld_cell(shape: tuple[int, int, list[int]]) -> None:
    rows, cols, flat = shape
    counts = {(f"R{r}", f"C{c}"): flat[r * cols + c] for r in range(rows) for c in range(cols)}
    table = Table("t", [f"R{r}" for r in range(rows)], [f"C{c}" for c in range(cols)], counts)
    values, constraints = cells_and_constraints([table], "p")
    hidden = suppress(values, constraints, 5)
    assert primary(values, 5) <= hidden
    _prove(values, constraints, hidden)
