"""What every partner export module provides, and small formatting helpers they share."""

from __future__ import annotations

import random
from datetime import date, datetime
from typing import Any, Protocol

from hub.synth.noise import Identity
from hub.synth.simulate import Record
from privacy.identifiers import nhs_check_digit, pnc_check_letter

#: The kinds of deliberately bad row, as recorded in ``truth/bad_rows.csv``.
BAD_KINDS = ("invalid_identifier", "invalid_date", "unknown_code", "missing_field")


class PartnerExport(Protocol):
    """The shape of a partner module (``police``, ``ed``...), checked by mypy."""

    PARTNER: str
    FORMAT: str  # "csv" or "jsonl"
    FILE_PATTERN: str  # with {yyyymm}
    COLUMNS: tuple[str, ...]  # CSV columns, or the top-level JSON fields
    RECORD_REF: str
    RECORD_VERSION: str

    def render(self, record: Record, ident: Identity) -> dict[str, Any]: ...

    def corrupt(self, row: dict[str, Any], kind: str, rng: random.Random) -> None: ...


def dmy(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def dmy_hm(moment: datetime | None) -> str:
    return moment.strftime("%d/%m/%Y %H:%M") if moment else ""


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def wrong_check(identifier: str) -> str:
    """The same identifier with its final check character changed (so it fails the check)."""
    last = identifier[-1]
    if last.isdigit():
        return identifier[:-1] + str((int(last) + 1) % 10)
    return identifier[:-1] + ("B" if last == "A" else "A")


def bad_nhs() -> str:
    """A 999-range NHS number whose check digit is wrong (for rows that had none)."""
    check = nhs_check_digit("999000001")
    return "999000001" + str(((check or 0) + 1) % 10)


def bad_pnc() -> str:
    """A PNC ID whose check letter is wrong (for rows that had none)."""
    good = pnc_check_letter("24", "0000001")
    return "2024/0000001" + ("B" if good == "A" else "A")


def impossible_date(text: str) -> str:
    """31 February, in whatever format ``text`` had (ISO or dd/mm/yyyy, optional time)."""
    if len(text) >= 10 and text[4] == "-":
        return text[:5] + "02-31" + text[10:]
    if len(text) >= 10 and text[2] == "/":
        return "31/02" + text[5:]
    return "31/02/2025"


def csv_line(values: list[str]) -> str:
    """One CSV line (RFC 4180 quoting only where needed): faster than csv.writer per row."""
    out = []
    for v in values:
        if "," in v or '"' in v or "\n" in v:
            v = '"' + v.replace('"', '""') + '"'
        out.append(v)
    return ",".join(out)
