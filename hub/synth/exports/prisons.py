"""Prison events: CSV ``prisons_events_<yyyymm>.csv``, one row per custody event.

Event types: ``RECEPTION`` (received into custody), ``RELEASE_SCHEDULED`` (release planning
with probation, written six to twelve weeks before ``ReleaseDate``), ``RELEASED`` and
``RECALLED`` (back to custody from licence; ``ReleaseDate`` is then the expected re-release).
``RecordRef`` is the row's reference, ``RecordVersion`` its version. Dates are
``dd/mm/yyyy``. ``PrisonNumber`` is the NOMS number (``A1234BC``), format-checked only.
``NHSNumber`` is present when healthcare has traced it (about 55% of rows).

Release types: CRD (automatic conditional release, at half or, for sentences from
10 September 2024 under SDS40, 40% of the term), HDC (home detention curfew), PAROLE,
RECALL (re-release after recall). Establishment names are fictional.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from hub.synth.exports.base import dmy, impossible_date
from hub.synth.noise import Identity
from hub.synth.simulate import Record

PARTNER = "prisons"
FORMAT = "csv"
FILE_PATTERN = "prisons_events_{yyyymm}.csv"
RECORD_REF = "RecordRef"
RECORD_VERSION = "RecordVersion"
COLUMNS = (
    "RecordRef", "RecordVersion", "PrisonNumber", "Establishment", "EventType", "EventDate",
    "ReleaseDate", "ReleaseType", "SentenceExpiryDate", "IndexOffenceCategory",
    "ReleaseAreaCode", "Forenames", "Surname", "DOB", "Sex", "PNC", "NHSNumber",
)  # fmt: skip
REQUIRED = ("RecordRef", "RecordVersion", "PrisonNumber", "EventType", "EventDate")
EVENT_TYPES = {"reception": "RECEPTION", "release_scheduled": "RELEASE_SCHEDULED",
               "released": "RELEASED", "recalled": "RECALLED"}  # fmt: skip
RELEASE_TYPES = {"CRD": "CRD", "HDC": "HDC", "PAROLE": "PAROLE", "RECALL_RELEASE": "RECALL"}
INDEX_OFFENCE = {
    "homicide": "HOMICIDE", "attempted_murder": "VIOLENCE_AGAINST_THE_PERSON",
    "gbh_s18": "VIOLENCE_AGAINST_THE_PERSON", "wounding_s20": "VIOLENCE_AGAINST_THE_PERSON",
    "assault_injury": "VIOLENCE_AGAINST_THE_PERSON",
    "common_assault": "VIOLENCE_AGAINST_THE_PERSON", "robbery": "ROBBERY",
    "weapon_possession": "POSSESSION_OF_WEAPONS", "public_order": "PUBLIC_ORDER",
    "criminal_damage": "CRIMINAL_DAMAGE", "theft": "THEFT",
}  # fmt: skip
ADULT_MALE = ("HMP Cityfield", "HMP Northgate", "HMP Brackenmoor")
ADULT_FEMALE = "HMP Ashgrove"
YOUTH = "HMYOI Wetherbrook"


def establishment(sex: str, child: bool, prison_number: str) -> str:
    if child:
        return YOUTH
    if sex == "F":
        return ADULT_FEMALE
    return ADULT_MALE[sum(map(ord, prison_number)) % len(ADULT_MALE)]


def render(record: Record, ident: Identity) -> dict[str, Any]:
    d, person = record.data, record.person
    release: date = d["release"]
    event = EVENT_TYPES[d["event"]]
    area = person.address_at(release if release != date.max else record.occurred).area
    return {
        "RecordRef": record.ref, "RecordVersion": str(record.version),
        "PrisonNumber": person.prison_no or "",
        "Establishment": establishment(person.sex, d["child"], person.prison_no or ""),
        "EventType": event, "EventDate": dmy(record.occurred),
        "ReleaseDate": "" if release == date.max else dmy(release),
        "ReleaseType": RELEASE_TYPES[d["release_type"]], "SentenceExpiryDate": dmy(d["expiry"]),
        "IndexOffenceCategory": INDEX_OFFENCE[record.category],
        "ReleaseAreaCode": area if event != "RECEPTION" else "",
        "Forenames": ident.forename, "Surname": ident.surname, "DOB": dmy(ident.dob),
        "Sex": ident.sex, "PNC": person.pnc if person.pnc_from <= record.occurred else "",
        "NHSNumber": ident.nhs or "",
    }  # fmt: skip


def corrupt(row: dict[str, Any], kind: str, rng: random.Random) -> None:
    if kind == "invalid_identifier":
        number = row["PrisonNumber"] or "A0000AA"
        row["PrisonNumber"] = number[:1] + number[5:7] + number[1:5]  # letters where digits go
    elif kind == "invalid_date":
        row["EventDate"] = impossible_date(row["EventDate"])
    elif kind == "unknown_code":
        row["EventType"] = rng.choice(("TRANSFERRED_OUT?", "X", "RELEASE"))
    else:
        row["PrisonNumber"] = ""
