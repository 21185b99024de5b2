"""Identifier validation with the real check algorithms, so a typo never becomes a token.

A token of a mistyped identifier would silently fail to link, or worse link to someone else;
so every identifier is normalised (NFKC, no separators, upper case) and checked before it is
tokenised, and a failure names the rule, not the value.

Sources:
- NHS number: modulus 11, weights 10..2 over the first nine digits (NHS Digital, "NHS
  Number" check-digit specification).
- PNC ID: ``YYYY/NNNNNNNA``; the check letter is (two-digit year followed by the serial
  zero-padded to seven digits) mod 23, indexed into ``ZABCDEFGHJKLMNPQRTUVWXY`` (as the
  Ministry of Justice's hmpps-person-record validates it).
- UPN: DfE / UK Government Data Standards Catalogue, Unique Pupil Number v2.0: characters
  2-13 weighted by their position (2..13), sum mod 23, indexed into
  ``ABCDEFGHJKLMNPQRTUVWXYZ`` (no I, O, S); a temporary UPN's final letter counts as its
  index in that alphabet.
- Prison (NOMS) number: one letter, four digits, two letters; format only.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import lru_cache

from privacy.errors import InvalidIdentifier

PNC_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"
UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_SEPARATORS = re.compile(r"[\s\-./_]")
_PNC = re.compile(r"^(\d{2}|\d{4})/?(\d{1,7})([A-Z])$")
_UPN = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")
_PRISON = re.compile(r"^[A-Z]\d{4}[A-Z]{2}$")


class IdentifierType(StrEnum):
    NHS = "nhs"
    PNC = "pnc"
    UPN = "upn"
    PRISON = "prison"
    LOCAL = "local"


def normalise_identifier(raw: str) -> str:
    """NFKC (full-width digits become ASCII), separators and spaces removed, upper case."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw)).upper()


def nhs_check_digit(first_nine: str) -> int | None:
    """The NHS number check digit for nine digits; None when no valid number has them."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def validate_nhs_number(raw: str) -> str:
    value = normalise_identifier(raw)
    if not value.isdigit() or not value.isascii():
        raise InvalidIdentifier("nhs", "nhs.digits", "an NHS number has digits only")
    if len(value) != 10:
        raise InvalidIdentifier("nhs", "nhs.length", f"{len(value)} digits, not 10")
    if nhs_check_digit(value[:9]) != int(value[9]):
        raise InvalidIdentifier("nhs", "nhs.check_digit", "the check digit does not match")
    return value


def pnc_check_letter(year_two_digits: str, serial: str) -> str:
    return PNC_LETTERS[int(year_two_digits + serial.zfill(7)) % 23]


def validate_pnc_id(raw: str) -> str:
    """Canonical ``YYYY/NNNNNNNA`` (four-digit year, serial padded to seven digits)."""
    value = unicodedata.normalize("NFKC", raw).strip().upper().replace(" ", "")
    match = _PNC.match(value)
    if match is None:
        raise InvalidIdentifier("pnc", "pnc.format", "expected YYYY/NNNNNNNA")
    year, serial, letter = match.groups()
    if len(year) == 2:
        raise InvalidIdentifier("pnc", "pnc.year", "a four-digit year is needed to be exact")
    if pnc_check_letter(year[2:], serial) != letter:
        raise InvalidIdentifier("pnc", "pnc.check_letter", "the check letter does not match")
    return f"{year}/{serial.zfill(7)}{letter}"


def upn_check_letter(last_twelve: str) -> str:
    total = 0
    for weight, char in enumerate(last_twelve, start=2):
        total += weight * (int(char) if char.isdigit() else UPN_LETTERS.index(char))
    return UPN_LETTERS[total % 23]


def validate_upn(raw: str) -> str:
    value = normalise_identifier(raw)
    if len(value) != 13:
        raise InvalidIdentifier("upn", "upn.length", f"{len(value)} characters, not 13")
    if not _UPN.match(value) or (value[-1].isalpha() and value[-1] not in UPN_LETTERS):
        raise InvalidIdentifier(
            "upn", "upn.format", "expected a letter, 11 digits, a digit or letter"
        )
    if upn_check_letter(value[1:]) != value[0]:
        raise InvalidIdentifier("upn", "upn.check_letter", "the check letter does not match")
    return value


def validate_prison_number(raw: str) -> str:
    value = normalise_identifier(raw)
    if not _PRISON.match(value):
        raise InvalidIdentifier("prison", "prison.format", "expected A1234BC")
    return value


def validate_local_id(raw: str) -> str:
    value = unicodedata.normalize("NFKC", raw).strip()
    if not value:
        raise InvalidIdentifier("local", "local.empty", "a local id cannot be empty")
    return value


_VALIDATORS = {
    IdentifierType.NHS: validate_nhs_number,
    IdentifierType.PNC: validate_pnc_id,
    IdentifierType.UPN: validate_upn,
    IdentifierType.PRISON: validate_prison_number,
    IdentifierType.LOCAL: validate_local_id,
}


@lru_cache(maxsize=65_536)  # people recur: a connector validates the same identifier often
def validate_identifier(kind: IdentifierType, raw: str) -> str:
    """The normalised identifier, or InvalidIdentifier (failures are not cached)."""
    validator = _VALIDATORS.get(kind)  # a StrEnum member and its value look up alike
    if validator is None:
        validator = _VALIDATORS[IdentifierType(kind)]  # ValueError naming an unknown kind
    return validator(raw)
