"""Police recorded crime: CSV ``police_crimes_<yyyymm>.csv``, one row per person in a crime.

A crime with a victim and two suspects is three rows sharing ``CrimeRef``. ``RecordRef``
(``CrimeRef`` + "/" + person's position in the crime) is the stable reference of a row;
``RecordVersion`` rises when the crime is updated: the first version is written when the
crime is reported, usually "under investigation", and a second when the outcome is known
(that row lands in the file of the month it changed, ``LastModified``). ``PersonRef`` is the
force's own nominal reference, stable for a person within the force.

Dates are ``dd/mm/yyyy`` and date-times ``dd/mm/yyyy HH:MM`` (UK local time, as force
systems export them). ``Gender`` is M, F or U. ``PNCID`` is filled for suspects who have
been arrested (``YYYY/NNNNNNNA``).

Offence codes follow the Home Office classification's ``class/subclass`` shape; the codes
and descriptions below are a synthetic approximation, to be checked against the Home Office
Counting Rules before a real force export is mapped.
"""

from __future__ import annotations

import random
from typing import Any

from hub.synth.exports.base import bad_pnc, dmy, dmy_hm, impossible_date, wrong_check
from hub.synth.noise import Identity
from hub.synth.simulate import Record

PARTNER = "police"
FORMAT = "csv"
FILE_PATTERN = "police_crimes_{yyyymm}.csv"
RECORD_REF = "RecordRef"
RECORD_VERSION = "RecordVersion"
COLUMNS = (
    "RecordRef", "RecordVersion", "CrimeRef", "PersonRef", "Role", "OffenceCode",
    "OffenceDescription", "HOOffenceClass", "SVCategory", "KnifeEnabled", "OccurredDateTime",
    "ReportedDateTime", "LastModified", "LocationLSOA", "Weapon", "SuspectCount", "Outcome",
    "Forename", "Surname", "DateOfBirth", "Gender", "HomePostcode", "HomeAddress", "PNCID",
)  # fmt: skip
REQUIRED = ("RecordRef", "RecordVersion", "CrimeRef", "Role", "OffenceCode", "OccurredDateTime")

#: Internal category -> (OffenceCode, OffenceDescription, HOOffenceClass, SVCategory).
#: SVCategory is blank for offences outside the serious-violence definition.
OFFENCES: dict[str, tuple[str, str, str, str]] = {
    "homicide": ("1/1", "Murder", "Homicide", "HOMICIDE"),
    "attempted_murder": ("2/1", "Attempted murder", "Violence with injury", "ATTEMPTED_MURDER"),
    "gbh_s18": ("5/1", "Wounding with intent to cause GBH (s18)", "Violence with injury",
                "GBH_S18"),
    "wounding_s20": ("8/1", "Inflicting GBH without intent (s20)", "Violence with injury",
                     "WOUNDING_S20"),
    "assault_injury": ("8/6", "Assault occasioning actual bodily harm", "Violence with injury",
                       "ASSAULT_WITH_INJURY"),
    "common_assault": ("105/1", "Common assault and battery", "Violence without injury", ""),
    "robbery": ("34/2", "Robbery of personal property", "Robbery", "PERSONAL_ROBBERY"),
    "weapon_possession": ("10/1", "Possession of article with blade or point or offensive weapon",
                          "Possession of weapons", "POSSESSION_OF_WEAPONS"),
    "public_order": ("9/1", "Public fear, alarm or distress", "Public order offences",
                     "PUBLIC_ORDER"),
    "criminal_damage": ("58/1", "Criminal damage", "Criminal damage and arson", ""),
    "theft": ("39/1", "Theft from the person", "Theft offences", ""),
}  # fmt: skip
ROLES = {"victim": "VICTIM", "suspect": "SUSPECT", "witness": "WITNESS"}
WEAPONS = {
    "knife": "KNIFE", "firearm": "FIREARM", "blunt_object": "BLUNT", "bottle_or_glass": "BOTTLE",
    "body_part": "NONE", "other": "OTHER",
}  # fmt: skip
#: Internal outcome -> Home Office outcome type (UI = under investigation, no outcome yet).
OUTCOMES = {
    "under_investigation": "UI", "charged": "1", "caution": "3", "youth_caution": "2",
    "community_resolution": "8", "evidential_difficulties": "15", "victim_declined": "16",
    "no_suspect": "18",
}  # fmt: skip


def render(record: Record, ident: Identity) -> dict[str, Any]:
    crime = record.data["crime"]
    code, description, ho_class, sv = OFFENCES[crime.category]
    outcome = record.data["outcome"]
    person = record.person
    if outcome == "caution" and person.age_at(record.occurred) < 18:
        outcome = "youth_caution"
    pnc = person.pnc if record.role == "suspect" and person.pnc_from <= record.occurred else ""
    return {
        "RecordRef": record.ref, "RecordVersion": str(record.version), "CrimeRef": crime.ref,
        "PersonRef": record.data["nominal"], "Role": ROLES[record.role], "OffenceCode": code,
        "OffenceDescription": description, "HOOffenceClass": ho_class, "SVCategory": sv,
        "KnifeEnabled": "Y" if sv and crime.weapon == "knife" else "N",
        "OccurredDateTime": dmy_hm(crime.at), "ReportedDateTime": dmy_hm(crime.reported),
        "LastModified": dmy_hm(record.at), "LocationLSOA": crime.area,
        "Weapon": WEAPONS[crime.weapon], "SuspectCount": str(len(crime.suspects)),
        "Outcome": OUTCOMES[outcome], "Forename": ident.forename, "Surname": ident.surname,
        "DateOfBirth": dmy(ident.dob), "Gender": ident.sex, "HomePostcode": ident.postcode,
        "HomeAddress": ident.address, "PNCID": pnc or "",
    }  # fmt: skip


def corrupt(row: dict[str, Any], kind: str, rng: random.Random) -> None:
    """Break one field the way a real extract goes wrong (see base.BAD_KINDS)."""
    if kind == "invalid_identifier":
        row["Role"], row["PNCID"] = (
            "SUSPECT",
            wrong_check(row["PNCID"]) if row["PNCID"] else bad_pnc(),
        )
    elif kind == "invalid_date":
        row["OccurredDateTime"] = impossible_date(row["OccurredDateTime"])
    elif kind == "unknown_code":
        row["OffenceCode"] = rng.choice(("999/9", "XX", "0"))
    else:
        row["Role"] = ""
