"""Emergency department assault attendances (ISTV, JSON Lines) to ``EdAssaultAttendance``."""

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

PARTNER = "ed"
SCHEMA = "EdAssaultAttendance"
FORMAT = "jsonl"
RECORD_REF = "attendance_id"
TOKENISED_BODY_FIELDS: tuple[str, ...] = ()
COLUMNS = (
    "attendance_id",
    "record_version",
    "arrival_datetime",
    "assault_datetime",
    "assault_location_type",
    "assault_location_area",
    "weapon_or_means",
    "injury_intent",
    "patient",
)
PLACES = {p: p for p in ("street", "home", "pub_or_club", "other_public", "workplace", "school")}
MEANS = {
    m: m for m in ("knife", "bottle_or_glass", "blunt_object", "body_part", "firearm", "other")
}
SEXES: dict[str, Sex] = {"1": "M", "2": "F", "9": "U", "0": "U"}  # NHS person stated gender codes


def map_row(row: Mapping[str, Any]) -> MappedRecord:
    arrival = parsed_datetime(row, "arrival_datetime", None)
    assert arrival is not None
    assault = parsed_datetime(row, "assault_datetime", None, allow_blank=True)
    if required(row, "injury_intent") != "assault":
        raise FieldProblem("injury_intent", "unknown_code", "this feed carries assaults only")
    patient = row.get("patient")
    if not isinstance(patient, dict):
        raise FieldProblem("patient", "missing_field", "required object, absent")
    facts = person(
        patient,
        given="forename",
        family="surname",
        dob="dob",
        dob_format="%Y-%m-%d",
        sex=sex_code(patient, "sex", SEXES),
        postcode="postcode",
        address="address",
        identifiers=(identifier(patient, "nhs_number", IdentifierType.NHS),),
    )
    body = {
        "arrival_at": arrival.replace(tzinfo=UTC),
        "assault_at": assault.replace(tzinfo=UTC) if assault else None,
        "place_type": coded(row, "assault_location_type", PLACES, allow_blank=True) or "unknown",
        "assault_area": optional(row, "assault_location_area"),
        "weapon_or_means": coded(row, "weapon_or_means", MEANS, allow_blank=True) or "unknown",
        "injury_intent": "assault",
    }
    return MappedRecord(
        record_ref=required(row, RECORD_REF),
        record_version=integer(row, "record_version") or 1,
        occurred_at=assault or arrival,
        person=facts,
        body=body,
    )
