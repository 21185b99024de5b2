"""Police recorded crime (CSV, one row per person in a crime) to ``PoliceCrimeEvent``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import Any

from hub.connectors.mapping import (
    FieldProblem,
    MappedRecord,
    coded,
    optional,
    parsed_datetime,
    required,
)
from hub.connectors.people import Sex, identifier, integer, person, sex_code
from privacy.identifiers import IdentifierType

PARTNER = "police"
SCHEMA = "PoliceCrimeEvent"
FORMAT = "csv"
RECORD_REF = "RecordRef"
TOKENISED_BODY_FIELDS = ("crime_ref",)
COLUMNS = (
    "RecordRef",
    "RecordVersion",
    "CrimeRef",
    "PersonRef",
    "Role",
    "OffenceCode",
    "HOOffenceClass",
    "SVCategory",
    "KnifeEnabled",
    "OccurredDateTime",
    "ReportedDateTime",
    "LocationLSOA",
    "Weapon",
    "SuspectCount",
    "Outcome",
    "Forename",
    "Surname",
    "DateOfBirth",
    "Gender",
    "HomePostcode",
    "HomeAddress",
    "PNCID",
)
ROLES = {"VICTIM": "victim", "SUSPECT": "suspect", "WITNESS": "witness"}
SV_CATEGORIES = {
    "HOMICIDE": "homicide",
    "ATTEMPTED_MURDER": "attempted_murder",
    "GBH_S18": "gbh_s18",
    "WOUNDING_S20": "wounding_s20",
    "ASSAULT_WITH_INJURY": "assault_with_injury",
    "PERSONAL_ROBBERY": "personal_robbery",
    "POSSESSION_OF_WEAPONS": "possession_of_weapons",
    "KNIFE_ENABLED_CRIME": "knife_enabled_crime",
    "PUBLIC_ORDER": "public_order",
}
WEAPONS = {
    "KNIFE": "knife",
    "FIREARM": "firearm",
    "BLUNT": "blunt_object",
    "BOTTLE": "bottle_or_glass",
    "NONE": "none",
    "OTHER": "other",
}
#: Home Office offence codes this force exports (a synthetic subset: a real deployment lists
#: every code of the Home Office Counting Rules it uses).
OFFENCE_CODES = {"1/1", "2/1", "5/1", "8/1", "8/6", "105/1", "34/2", "10/1", "9/1", "58/1", "39/1"}
SEXES: dict[str, Sex] = {"M": "M", "F": "F", "U": "U"}
DMY, DMY_HM = "%d/%m/%Y", "%d/%m/%Y %H:%M"


def map_row(row: Mapping[str, Any]) -> MappedRecord:
    occurred = parsed_datetime(row, "OccurredDateTime", DMY_HM)
    assert occurred is not None
    reported = parsed_datetime(row, "ReportedDateTime", DMY_HM, allow_blank=True)
    code = required(row, "OffenceCode")
    if code not in OFFENCE_CODES:
        raise FieldProblem("OffenceCode", "unknown_code", f"unknown offence code {code!r}")
    offence_class = required(row, "HOOffenceClass")
    sv = coded(row, "SVCategory", SV_CATEGORIES, allow_blank=True)
    if sv is None:
        sv = "other_violence" if offence_class.startswith("Violence") else "not_violent"
    facts = person(
        row,
        given="Forename",
        family="Surname",
        dob="DateOfBirth",
        dob_format=DMY,
        sex=sex_code(row, "Gender", SEXES),
        postcode="HomePostcode",
        address="HomeAddress",
        identifiers=(identifier(row, "PNCID", IdentifierType.PNC),),
    )
    body = {
        "crime_ref": required(row, "CrimeRef"),
        "role": coded(row, "Role", ROLES),
        "offence_code": code,
        "offence_class": offence_class,
        "sv_category": sv,
        "knife_enabled": optional(row, "KnifeEnabled") == "Y",
        "occurred_at": occurred.replace(tzinfo=UTC),
        "reported_at": reported.replace(tzinfo=UTC) if reported else None,
        "location_area": optional(row, "LocationLSOA"),
        "weapon": coded(row, "Weapon", WEAPONS, allow_blank=True) or "unknown",
        "number_of_suspects": integer(row, "SuspectCount", allow_blank=True) or 0,
        "outcome": optional(row, "Outcome") or "UI",
    }
    person_ref = optional(row, "PersonRef")
    return MappedRecord(
        record_ref=required(row, RECORD_REF),
        record_version=integer(row, "RecordVersion") or 1,
        occurred_at=occurred,
        person=facts,
        body=body,
        local_ids=(person_ref,) if person_ref else (),
    )
