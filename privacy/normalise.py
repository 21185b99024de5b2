"""Normalise names, dates and postcodes so one person encodes the same way at every partner.

Partners type the same person differently ("O'Brien-Smith", "OBRIEN SMITH", "Zoë", "Zoe");
encodings compare bits, so every such difference must be removed before encoding, the same
way everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache

_NOT_LETTER = re.compile(r"[^A-Z ]+")
_SPACES = re.compile(r"\s+")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


@lru_cache(maxsize=65_536)  # names repeat across records; this runs several times per record
def normalise_name(raw: str | None) -> str:
    """Upper-case ASCII letters and single spaces; accents, apostrophes, hyphens removed.

    Hyphens and spaces both separate parts ("Smith-Jones" == "Smith Jones"); apostrophes
    join ("O'Brien" == "OBrien"), as partners' systems differ on both.
    """
    if not raw:
        return ""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", raw))
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    text = text.replace("'", "").replace("’", "").replace("`", "")
    text = _NOT_LETTER.sub(" ", text.replace("-", " "))
    return _SPACES.sub(" ", text).strip()


def name_parts(raw: str | None) -> tuple[str, ...]:
    return tuple(normalise_name(raw).split())


def parse_date(raw: str, fmt: str | None = None) -> date:
    """A real calendar date from text: ISO 8601 by default, or a strptime format."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if fmt is None:
        return date.fromisoformat(text[:10])
    return datetime.strptime(text, fmt).date()


@lru_cache(maxsize=65_536)  # per record in the Bloom encoding, blocking keys and home area
def normalise_postcode(raw: str | None) -> str | None:
    """Upper case, no spaces; None when it is not shaped like a UK postcode."""
    if not raw:
        return None
    text = _SPACES.sub("", unicodedata.normalize("NFKC", raw)).upper()
    return text if _POSTCODE.match(text) else None


def postcode_outward(postcode: str) -> str:
    match = _POSTCODE.match(postcode)
    return match.group(1) if match else postcode


def postcode_sector(postcode: str) -> str:
    """Outward code plus the first inward digit ("ZY1 2"): the unit a move often stays in."""
    match = _POSTCODE.match(postcode)
    return f"{match.group(1)} {match.group(2)[0]}" if match else postcode
