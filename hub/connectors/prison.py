"""Prison custody events (CSV) to ``PrisonReleaseEvent``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from hub.connectors.mapping import MappedRecord, coded, optional, parsed_date, required
from hub.connectors.people import Sex, identifier, integer, person, sex_code
from privacy.identifiers import IdentifierType

PARTNER = "prison"
SCHEMA = "PrisonReleaseEvent"
FORMAT = "csv"
RECORD_REF = "RecordRef"
TOKENISED_BODY_FIELDS: tuple[str, ...] = ()
COLUMNS = (
    "RecordRef",
    "RecordVersion",
    "PrisonNumber",
    "Establishment",
    "EventType",
    "EventDate",
    "ReleaseDate",
    "ReleaseType",
    "SentenceExpiryDate",
    "IndexOffenceCategory",
    "ReleaseAreaCode",
    "Forenames",
    "Surname",
    "DOB",
    "Sex",
    "PNC",
    "NHSNumber",
)
EVENTS = {
    "RECEPTION": "reception",
    "RELEASE_SCHEDULED": "release_scheduled",
    "RELEASED": "released",
    "RECALLED": "recalled",
}
RELEASE_TYPES = {
    "CRD": "automatic",
    "ARD": "automatic",
    "HDC": "hdc",
    "PAROLE": "parole",
    "SED": "end_of_sentence",
    "RECALL": "recall_release",
}
SEXES: dict[str, Sex] = {"M": "M", "F": "F", "U": "U"}
YOUTH_ESTATE = ("HMYOI", "STC", "SCH")  # young offender institutions, training centres, homes
DMY = "%d/%m/%Y"


def map_row(row: Mapping[str, Any]) -> MappedRecord:
    kind = coded(row, "EventType", EVENTS)
    event_date = parsed_date(row, "EventDate", DMY)
    assert event_date is not None
    facts = person(
        row,
        given="Forenames",
        family="Surname",
        dob="DOB",
        dob_format=DMY,
        sex=sex_code(row, "Sex", SEXES),
        postcode=None,
        identifiers=(
            identifier(row, "PrisonNumber", IdentifierType.PRISON, required=True),
            identifier(row, "PNC", IdentifierType.PNC),
            identifier(row, "NHSNumber", IdentifierType.NHS),
        ),
    )
    establishment = required(row, "Establishment")
    body = {
        "kind": kind,
        "event_date": event_date,
        "release_date": parsed_date(row, "ReleaseDate", DMY, allow_blank=True),
        "release_type": coded(row, "ReleaseType", RELEASE_TYPES, allow_blank=True),
        "establishment": establishment,
        "index_offence_category": required(row, "IndexOffenceCategory"),
        "release_area": optional(row, "ReleaseAreaCode"),
        "sentence_expiry": parsed_date(row, "SentenceExpiryDate", DMY, allow_blank=True),
        "youth_custody": establishment.startswith(YOUTH_ESTATE),
    }
    return MappedRecord(
        record_ref=required(row, RECORD_REF),
        record_version=integer(row, "RecordVersion") or 1,
        occurred_at=datetime.combine(event_date, time()),
        person=facts,
        body=body,
        home_area=optional(row, "ReleaseAreaCode"),
    )
