"""School exclusions and AP placements: CSV ``schools_exclusions_<yyyymm>.csv``, census style.

One row per suspension (FIXD), lunchtime exclusion (LNCH), permanent exclusion (PERM) or
alternative-provision placement (AP). ``UPN`` is the pupil's unique pupil number (13
characters, check letter first); ``URN`` the school's (fictional, 9xxxxx). ``StartDate`` and
``DOB`` are ISO dates (the census XML uses them). ``Sessions`` is half-days for FIXD and
LNCH, blank otherwise. Reason codes are the DfE exclusion reasons (PP, PA, VP, VA, US, BU,
RA, AB, AR, SM, DA, DM, TH, MT, PD, OT); ``SENProvision`` is E (EHC plan), K (SEN support) or
N. ``RecordRef``/``RecordVersion`` are the local MIS reference and version.
"""

from __future__ import annotations

import random
from typing import Any

from hub.synth.exports.base import impossible_date, iso
from hub.synth.noise import Identity
from hub.synth.simulate import Record

PARTNER = "schools"
FORMAT = "csv"
FILE_PATTERN = "schools_exclusions_{yyyymm}.csv"
RECORD_REF = "RecordRef"
RECORD_VERSION = "RecordVersion"
COLUMNS = (
    "RecordRef", "RecordVersion", "UPN", "URN", "Category", "StartDate", "Sessions",
    "ReasonCode", "SENProvision", "Forename", "Surname", "DOB", "Gender", "Postcode",
)  # fmt: skip
REQUIRED = ("RecordRef", "RecordVersion", "UPN", "URN", "Category", "StartDate")
CATEGORIES = ("PERM", "FIXD", "LNCH", "AP")
REASON_CODES = ("PP", "PA", "VP", "VA", "US", "BU", "RA", "AB", "AR", "SM", "DA", "DM", "TH",
                "MT", "PD", "OT")  # fmt: skip
SEN_CODES = ("E", "K", "N")


def render(record: Record, ident: Identity) -> dict[str, Any]:
    d, person = record.data, record.person
    return {
        "RecordRef": record.ref, "RecordVersion": str(record.version), "UPN": person.upn or "",
        "URN": d["urn"], "Category": record.category, "StartDate": record.occurred.isoformat(),
        "Sessions": str(d["sessions"] or ""), "ReasonCode": d["reason"],
        "SENProvision": d["sen"], "Forename": ident.forename, "Surname": ident.surname,
        "DOB": iso(ident.dob) or "", "Gender": ident.sex, "Postcode": ident.postcode,
    }  # fmt: skip


def corrupt(row: dict[str, Any], kind: str, rng: random.Random) -> None:
    if kind == "invalid_identifier":
        upn = row["UPN"] or "A990200020001"
        row["UPN"] = ("B" if upn[0] == "A" else "A") + upn[1:]  # the check letter, changed
    elif kind == "invalid_date":
        row["StartDate"] = impossible_date(row["StartDate"])
    elif kind == "unknown_code":
        row["ReasonCode"] = rng.choice(("ZZ", "P1", "XX"))
    else:
        row["Category"] = ""
