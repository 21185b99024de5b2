"""Identity noise: how each partner really records a person, applied record by record.

The truth is one person; the exports are what a custody sergeant, a triage nurse or a
school office typed. Rates are per record (per field where it says so), seeded, and
documented in ``docs/synthetic-data.md``; the manifest counts what was applied.

* A partner's register may hold a *variant* of the given name (Bob for Robert, Muhammad for
  Mohammed): decided once per person and partner, so each partner is self-consistent and
  partners differ from one another. A few records use another variant still.
* Typos: one-character edits (substitute, delete, insert, transpose) per name field.
* Day and month swapped in the date of birth (only possible when the day is 12 or less).
* Stale address: a partner that has not caught up with a move records the previous home.
* Missing fields: no NHS number at the ED in about 30% of attendances, blank postcodes,
  addresses, unknown sex, now and then a missing date of birth.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from hub.synth.names import NameBook
from hub.synth.simulate import Record

#: Bit of `Person.alias_mask` per partner: whether that partner's register holds a variant.
PARTNER_BIT = {"police": 0, "ed": 1, "prisons": 2, "schools": 3, "youth_justice": 4}
_KEYS = "qwertyuiopasdfghjklzxcvbnm"


@dataclass(frozen=True, kw_only=True)
class NoiseRates:
    """Per-record rates of each kind of noise (see the module docstring)."""

    typo: float = 0.02  # per name field
    variant_record: float = 0.03  # on top of the per-partner variant (12% of people each)
    dob_swap: float = 0.015  # of records whose true day is 12 or less and not the month
    dob_missing: float = 0.003
    sex_unknown: float = 0.005
    stale_address: float = 0.25  # of records of people who have moved by then
    postcode_blank: float = 0.015
    address_blank: float = 0.02
    nhs_missing: dict[str, float] = field(
        default_factory=lambda: {"ed": 0.30, "prisons": 0.45, "youth_justice": 0.55}
    )


@dataclass(slots=True)
class Identity:
    """A person as one record shows them; blank strings and None are missing values."""

    forename: str
    surname: str
    dob: date | None
    sex: str  # M, F or U
    postcode: str
    address: str
    nhs: str | None


def typo(name: str, rng: random.Random) -> str:
    """One keyboard-plausible character edit, keeping the name's capitalisation."""
    if len(name) < 3:
        return name
    i = rng.randrange(1, len(name) - 1)  # keep the first letter: it is rarely mistyped
    kind = rng.randrange(4)
    if kind == 0:
        return name[:i] + rng.choice(_KEYS) + name[i + 1 :]
    if kind == 1:
        return name[:i] + name[i + 1 :]
    if kind == 2:
        return name[:i] + rng.choice(_KEYS) + name[i:]
    if name[i] == name[i + 1]:  # transposing equal letters would change nothing
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


class Noise:
    """Turns a record's true person into the identity the partner recorded."""

    def __init__(self, names: NameBook, rates: NoiseRates, *, enabled: bool = True) -> None:
        self.names, self.rates, self.enabled = names, rates, enabled
        self.applied: Counter[str] = Counter()

    def identity(self, record: Record, rng: random.Random) -> Identity:
        person, day, r = record.person, record.occurred, self.rates
        home = person.address_at(day)
        ident = Identity(
            person.forename, person.surname, person.dob, person.sex, home.postcode, home.line,
            person.nhs,
        )  # fmt: skip
        if not self.enabled:
            return ident
        applied = self.applied
        if person.alias_mask >> PARTNER_BIT[record.partner] & 1:
            ident.forename = self.names.variant(ident.forename, person.alias_pick)
            ident.surname = self.names.variant(ident.surname, person.alias_pick)
            applied["variant_partner"] += ident.forename != person.forename
            applied["variant_partner"] += ident.surname != person.surname
        if rng.random() < r.variant_record:
            ident.forename = self.names.variant(ident.forename, rng.randrange(1000))
            applied["variant_record"] += ident.forename != person.forename
        if rng.random() < r.typo:
            ident.forename = typo(ident.forename, rng)
            applied["typo"] += 1
        if rng.random() < r.typo:
            ident.surname = typo(ident.surname, rng)
            applied["typo"] += 1
        dob = person.dob
        if dob.day <= 12 and dob.day != dob.month and rng.random() < r.dob_swap:
            ident.dob = date(dob.year, dob.day, dob.month)
            applied["dob_swap"] += 1
        elif rng.random() < r.dob_missing:
            ident.dob = None
            applied["dob_missing"] += 1
        if rng.random() < r.sex_unknown:
            ident.sex = "U"
            applied["sex_unknown"] += 1
        if rng.random() < r.stale_address and (old := person.previous_address(day)):
            ident.postcode, ident.address = old.postcode, old.line
            applied["stale_address"] += 1
        if rng.random() < r.postcode_blank:
            ident.postcode = ""
            applied["postcode_blank"] += 1
        if rng.random() < r.address_blank:
            ident.address = ""
            applied["address_blank"] += 1
        if rng.random() < r.nhs_missing.get(record.partner, 0.0):
            ident.nhs = None
            applied["nhs_missing"] += 1
        return ident
