"""What a partner mapping turns one export row into, and how it says a field is wrong.

A mapping is pure: a row in, a ``MappedRecord`` out, or a ``FieldProblem`` naming the field.
It never sees keys, Kafka or files, so every mapping is unit-tested with plain dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol

ProblemKind = Literal[
    "missing_field", "invalid_date", "invalid_identifier", "unknown_code", "malformed_row"
]


class FieldProblem(Exception):
    """One field of one row is wrong; the pipeline quarantines the row with this."""

    def __init__(self, field: str, kind: ProblemKind, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """The clear facts about a person, at source only: pseudonymised or sealed, never sent."""

    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    sex: Literal["M", "F", "U"] = "U"
    postcode: str | None = None
    address: str | None = None
    identifiers: tuple[tuple[str, str], ...] = ()  # (identifier type, validated value)


@dataclass(frozen=True, slots=True)
class MappedRecord:
    record_ref: str
    record_version: int
    occurred_at: datetime
    person: PersonFacts
    body: dict[str, Any]  # the partner-specific Avro fields, already in contract terms
    home_area: str | None = None
    local_ids: tuple[str, ...] = field(default=())  # the partner's own person references


class PartnerMapping(Protocol):
    """The shape of each partner module (``hub/connectors/police.py`` ...)."""

    PARTNER: str  # the hub's partner id, as in the topic catalogue
    SCHEMA: str  # the Avro record it produces
    FORMAT: Literal["csv", "jsonl"]
    COLUMNS: tuple[str, ...]
    RECORD_REF: str  # the column holding the partner's reference for a row

    def map_row(self, row: Mapping[str, Any]) -> MappedRecord: ...


def required(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    text = value.strip() if type(value) is str else None if value is None else str(value).strip()
    if not text:
        raise FieldProblem(name, "missing_field", "required, but empty")
    return text


def optional(row: Mapping[str, Any], name: str) -> str | None:
    value = row.get(name)
    if type(value) is str:  # CSV cells always, JSON strings mostly: the hot path
        return value.strip() or None
    if value is None:
        return None
    return str(value).strip() or None


def coded(
    row: Mapping[str, Any], name: str, codes: Mapping[str, Any], *, allow_blank: bool = False
) -> Any:
    """Translate a partner code through its code list; an unknown code is a named problem."""
    value = optional(row, name)
    if value is None:
        if allow_blank:
            return None
        raise FieldProblem(name, "missing_field", "required, but empty")
    if value not in codes:
        raise FieldProblem(name, "unknown_code", f"unknown code {value!r}")
    return codes[value]


def parsed_date(
    row: Mapping[str, Any], name: str, fmt: str, *, allow_blank: bool = False
) -> date | None:
    value = optional(row, name)
    if value is None:
        if allow_blank:
            return None
        raise FieldProblem(name, "missing_field", "required, but empty")
    try:
        return _parser(fmt)(value).date()
    except ValueError as exc:
        raise FieldProblem(name, "invalid_date", f"not a real date in {fmt} ({exc})") from exc


def parsed_datetime(
    row: Mapping[str, Any], name: str, fmt: str | None, *, allow_blank: bool = False
) -> datetime | None:
    """``fmt`` None means ISO 8601."""
    value = optional(row, name)
    if value is None:
        if allow_blank:
            return None
        raise FieldProblem(name, "missing_field", "required, but empty")
    parse: Callable[[str], datetime] = datetime.fromisoformat if fmt is None else _parser(fmt)
    try:
        return parse(value)
    except ValueError as exc:
        raise FieldProblem(name, "invalid_date", f"not a real date-time ({exc})") from exc


def _dmy(value: str) -> datetime:
    if len(value) != 10 or value[2] != "/" or value[5] != "/":
        raise ValueError(f"{value!r} is not dd/mm/yyyy")
    return datetime(int(value[6:10]), int(value[3:5]), int(value[0:2]))


def _dmy_hm(value: str) -> datetime:
    if len(value) != 16 or value[2:6:3] != "//" or value[10:14:3] != " :":
        raise ValueError(f"{value!r} is not dd/mm/yyyy HH:MM")
    return datetime(
        int(value[6:10]), int(value[3:5]), int(value[0:2]), int(value[11:13]), int(value[14:16])
    )


_FAST: dict[str, Callable[[str], datetime]] = {
    "%d/%m/%Y": _dmy,
    "%d/%m/%Y %H:%M": _dmy_hm,
    "%Y-%m-%d": lambda v: datetime.fromisoformat(v) if len(v) == 10 else _strict_iso(v),
}


def _strict_iso(value: str) -> datetime:
    raise ValueError(f"{value!r} is not yyyy-mm-dd")


def _parser(fmt: str) -> Callable[[str], datetime]:
    """strptime is slow (~15 us); partners' usual formats are parsed by hand, same rules."""
    return _FAST.get(fmt) or (lambda v: datetime.strptime(v, fmt))
