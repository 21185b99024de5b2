"""School census exclusions and alternative provision (CSV) to ``SchoolExclusionEvent``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from hub.connectors.mapping import MappedRecord, coded, parsed_date, required
from hub.connectors.people import Sex, identifier, integer, person, sex_code
from privacy.identifiers import IdentifierType

PARTNER = "school"
SCHEMA = "SchoolExclusionEvent"
FORMAT = "csv"
RECORD_REF = "RecordRef"
TOKENISED_BODY_FIELDS: tuple[str, ...] = ()
COLUMNS = (
    "RecordRef",
    "RecordVersion",
    "UPN",
    "URN",
    "Category",
    "StartDate",
    "Sessions",
    "ReasonCode",
    "SENProvision",
    "Forename",
    "Surname",
    "DOB",
    "Gender",
    "Postcode",
)
KINDS = {
    "PERM": "permanent_exclusion",
    "FIXD": "suspension",
    "LNCH": "lunchtime",
    "AP": "ap_placement",
}
REASONS = {
    c: c
    for c in (
        "PP",
        "PA",
        "VP",
        "VA",
        "US",
        "BU",
        "RA",
        "AB",
        "AR",
        "SM",
        "DA",
        "DM",
        "TH",
        "MT",
        "PD",
        "OT",
    )
}
SEN = {"E": "E", "K": "K", "N": "N"}
SEXES: dict[str, Sex] = {"M": "M", "F": "F", "U": "U"}
ISO = "%Y-%m-%d"


def map_row(row: Mapping[str, Any]) -> MappedRecord:
    category = required(row, "Category")
    kind = coded(row, "Category", KINDS)
    start = parsed_date(row, "StartDate", ISO)
    assert start is not None
    facts = person(
        row,
        given="Forename",
        family="Surname",
        dob="DOB",
        dob_format=ISO,
        sex=sex_code(row, "Gender", SEXES),
        postcode="Postcode",
        identifiers=(identifier(row, "UPN", IdentifierType.UPN, required=True),),
    )
    body = {
        "kind": kind,
        "school_urn": required(row, "URN"),
        "category": category,
        "start_date": start,
        "sessions": integer(row, "Sessions", allow_blank=True),
        "reason": coded(row, "ReasonCode", REASONS, allow_blank=True),
        "sen_provision": coded(row, "SENProvision", SEN, allow_blank=True) or "N",
    }
    return MappedRecord(
        record_ref=required(row, RECORD_REF),
        record_version=integer(row, "RecordVersion") or 1,
        occurred_at=datetime.combine(start, time()),
        person=facts,
        body=body,
    )
