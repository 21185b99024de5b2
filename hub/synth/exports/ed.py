"""Emergency department assault attendances: JSON Lines ``ed_attendances_<yyyymm>.jsonl``.

The ISTV data set (ISB 1594, the Cardiff Model) with Emergency Care Data Set terms: one
object per attendance for assault, written when the patient arrives. ``attendance_id`` is
the record reference, ``record_version`` its version. Date-times are ISO 8601, local time,
no offset. ``patient.sex`` uses the NHS person-stated-gender codes (1 male, 2 female,
9 indeterminate / not known). ``patient.nhs_number`` is a string of ten digits or null:
about 30% of attendances are recorded without one (unconscious, refused, not traced yet).

``assault_location_area`` is the LSOA-like area of the place of assault, as the ISTV
location field is geocoded by the analyst; ``injury_intent`` is always ``assault`` here.
"""

from __future__ import annotations

import random
from typing import Any

from hub.synth.exports.base import bad_nhs, impossible_date, iso, wrong_check
from hub.synth.noise import Identity
from hub.synth.simulate import Record

PARTNER = "ed"
FORMAT = "jsonl"
FILE_PATTERN = "ed_attendances_{yyyymm}.jsonl"
RECORD_REF = "attendance_id"
RECORD_VERSION = "record_version"
COLUMNS = (
    "attendance_id", "record_version", "arrival_datetime", "assault_datetime",
    "assault_location_type", "assault_location_area", "weapon_or_means", "injury_intent",
    "patient",
)  # fmt: skip
PATIENT_FIELDS = ("forename", "surname", "dob", "sex", "postcode", "address", "nhs_number")
REQUIRED = ("attendance_id", "record_version", "arrival_datetime", "injury_intent")
LOCATION_TYPES = ("street", "home", "pub_or_club", "other_public", "workplace", "school")
MEANS = ("knife", "bottle_or_glass", "blunt_object", "body_part", "other")
SEX_CODES = {"M": "1", "F": "2", "U": "9"}


def render(record: Record, ident: Identity) -> dict[str, Any]:
    d = record.data
    return {
        "attendance_id": record.ref, "record_version": record.version,
        "arrival_datetime": d["arrival"].isoformat(timespec="minutes"),
        "assault_datetime": d["assault"].isoformat(timespec="minutes"),
        "assault_location_type": d["place"], "assault_location_area": d["area"],
        "weapon_or_means": d["means"], "injury_intent": "assault",
        "patient": {
            "forename": ident.forename, "surname": ident.surname, "dob": iso(ident.dob),
            "sex": SEX_CODES[ident.sex], "postcode": ident.postcode or None,
            "address": ident.address or None, "nhs_number": ident.nhs,
        },
    }  # fmt: skip


def corrupt(row: dict[str, Any], kind: str, rng: random.Random) -> None:
    if kind == "invalid_identifier":
        row["patient"]["nhs_number"] = (
            wrong_check(nhs) if (nhs := row["patient"]["nhs_number"]) else bad_nhs()
        )
    elif kind == "invalid_date":
        row["arrival_datetime"] = impossible_date(row["arrival_datetime"])
    elif kind == "unknown_code":
        row["weapon_or_means"] = rng.choice(("laser", "unknown_means", "X"))
    else:
        row["arrival_datetime"] = None
