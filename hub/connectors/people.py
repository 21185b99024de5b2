"""Person facts shared by every mapping: validated identifiers, date of birth, sex."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from hub.connectors.mapping import FieldProblem, PersonFacts, optional, parsed_date
from privacy.errors import InvalidIdentifier
from privacy.identifiers import IdentifierType, validate_identifier

Sex = Literal["M", "F", "U"]


def identifier(
    row: Mapping[str, Any], column: str, kind: IdentifierType, *, required: bool = False
) -> tuple[str, str] | None:
    """A validated identifier, or a FieldProblem naming the column and the failed rule."""
    raw = optional(row, column)
    if raw is None:
        if required:
            raise FieldProblem(column, "missing_field", "required, but empty")
        return None
    try:
        return kind.value, validate_identifier(kind, raw)
    except InvalidIdentifier as exc:
        raise FieldProblem(column, "invalid_identifier", f"fails {exc.rule}") from exc


def person(
    row: Mapping[str, Any],
    *,
    given: str,
    family: str,
    dob: str,
    dob_format: str,
    sex: Sex,
    postcode: str | None,
    address: str | None = None,
    identifiers: tuple[tuple[str, str] | None, ...] = (),
) -> PersonFacts:
    return PersonFacts(
        given_name=optional(row, given),
        family_name=optional(row, family),
        date_of_birth=parsed_date(row, dob, dob_format, allow_blank=True),
        sex=sex,
        postcode=optional(row, postcode) if postcode else None,
        address=optional(row, address) if address else None,
        identifiers=tuple(filter(None, identifiers)),  # the present ones
    )


def sex_code(row: Mapping[str, Any], column: str, codes: Mapping[str, Sex]) -> Sex:
    value = optional(row, column)
    if value is None:
        return "U"
    if value not in codes:
        raise FieldProblem(column, "unknown_code", f"unknown code {value!r}")
    return codes[value]


def integer(row: Mapping[str, Any], column: str, *, allow_blank: bool = False) -> int | None:
    value = optional(row, column)
    if value is None:
        if allow_blank:
            return None
        raise FieldProblem(column, "missing_field", "required, but empty")
    try:
        return int(value)
    except ValueError:
        raise FieldProblem(column, "malformed_row", f"{value!r} is not a whole number") from None


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
