"""Youth Justice events (JSON Lines) to ``YouthJusticeEvent``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from hub.connectors.mapping import (
    FieldProblem,
    MappedRecord,
    coded,
    optional,
    parsed_date,
    required,
)
from hub.connectors.people import Sex, identifier, integer, person, sex_code
from privacy.identifiers import IdentifierType

PARTNER = "yjs"
SCHEMA = "YouthJusticeEvent"
FORMAT = "jsonl"
RECORD_REF = "event_id"
TOKENISED_BODY_FIELDS = ("case_ref",)
COLUMNS = (
    "event_id",
    "record_version",
    "case_id",
    "event_type",
    "event_date",
    "offence_category",
    "gravity_score",
    "outcome",
    "intervention",
    "open_to_statutory_services",
    "young_person",
)
KINDS = {k: k for k in ("charge", "outcome", "intervention")}
OUTCOMES = {
    o: o
    for o in (
        "community_resolution",
        "youth_caution",
        "youth_conditional_caution",
        "referral_order",
        "youth_rehabilitation_order",
        "detention_and_training_order",
        "long_term_detention",
    )
}
INTERVENTIONS = {i: i for i in ("prevention", "diversion", "statutory", "custody")}
SEXES: dict[str, Sex] = {"Male": "M", "Female": "F", "Unknown": "U"}


def map_row(row: Mapping[str, Any]) -> MappedRecord:
    kind = coded(row, "event_type", KINDS)
    day = parsed_date(row, "event_date", "%Y-%m-%d")
    assert day is not None
    young = row.get("young_person")
    if not isinstance(young, dict):
        raise FieldProblem("young_person", "missing_field", "required object, absent")
    facts = person(
        young,
        given="first_name",
        family="last_name",
        dob="date_of_birth",
        dob_format="%Y-%m-%d",
        sex=sex_code(young, "sex", SEXES),
        postcode="postcode",
        identifiers=(
            identifier(young, "pnc_id", IdentifierType.PNC),
            identifier(young, "nhs_number", IdentifierType.NHS),
        ),
    )
    gravity = integer(row, "gravity_score", allow_blank=True)
    if gravity is not None and not 1 <= gravity <= 8:
        raise FieldProblem("gravity_score", "unknown_code", f"gravity {gravity} is outside 1-8")
    open_flag = row.get("open_to_statutory_services")
    body = {
        "kind": kind,
        "case_ref": required(row, "case_id"),
        "event_date": day,
        "offence_category": optional(row, "offence_category"),
        "gravity_score": gravity,
        "outcome": coded(row, "outcome", OUTCOMES, allow_blank=True),
        "intervention": coded(row, "intervention", INTERVENTIONS, allow_blank=True),
        "open_to_statutory_services": bool(open_flag),
    }
    return MappedRecord(
        record_ref=required(row, RECORD_REF),
        record_version=integer(row, "record_version") or 1,
        occurred_at=datetime.combine(day, time()),
        person=facts,
        body=body,
        local_ids=(required(row, "case_id"),),
    )
