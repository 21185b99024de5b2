"""The field helpers every mapping uses: blank is missing, values are trimmed, non-strings kept."""

from __future__ import annotations

from typing import Any

import pytest

from hub.connectors.mapping import FieldProblem, optional, required


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" CR/1 ", "CR/1"), ("x", "x"), (17, "17"), (0, "0"), (False, "False")],
)
def test_required_trims_and_accepts_non_strings(value: Any, expected: str) -> None:
    assert required({"Ref": value}, "Ref") == expected


@pytest.mark.parametrize("row", [{}, {"Ref": None}, {"Ref": ""}, {"Ref": "  \t"}])
def test_required_blank_is_a_named_missing_field(row: dict[str, Any]) -> None:
    with pytest.raises(FieldProblem) as caught:
        required(row, "Ref")
    assert (caught.value.field, caught.value.kind) == ("Ref", "missing_field")


@pytest.mark.parametrize(
    ("row", "expected"),
    [({}, None), ({"A": None}, None), ({"A": " "}, None), ({"A": " b "}, "b"), ({"A": 3}, "3")],
)
def test_optional_blank_is_none(row: dict[str, Any], expected: str | None) -> None:
    assert optional(row, "A") == expected
