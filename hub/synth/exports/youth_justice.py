"""Youth Justice events: JSON Lines ``yj_events_<yyyymm>.jsonl``.

One object per case event: ``charge`` (a child charged), ``outcome`` (a caution, a community
resolution or a court disposal) and ``intervention`` (prevention work with a child not yet
in the justice system). ``case_id`` is the service's own case number (a local identifier:
connectors tokenise it in the Youth Justice namespace), ``event_id`` the record reference
and ``record_version`` its version. ``gravity_score`` is the YJB gravity score (1-8) of the
offence; serious youth violence is violence, robbery or drugs with a score of 5 or more.
``open_to_statutory_services`` says whether the child is open to Children's Social Care,
Complex Safeguarding or a statutory Youth Justice order at the time. Dates are ISO;
``young_person.sex`` is Male, Female or Unknown; ``pnc_id`` and ``nhs_number`` may be null.
"""

from __future__ import annotations

import random
from typing import Any

from hub.synth.exports.base import bad_pnc, impossible_date, iso, wrong_check
from hub.synth.noise import Identity
from hub.synth.simulate import Record

PARTNER = "youth_justice"
FORMAT = "jsonl"
FILE_PATTERN = "yj_events_{yyyymm}.jsonl"
RECORD_REF = "event_id"
RECORD_VERSION = "record_version"
COLUMNS = (
    "event_id", "record_version", "case_id", "event_type", "event_date", "offence_category",
    "gravity_score", "outcome", "intervention", "open_to_statutory_services", "young_person",
)  # fmt: skip
PERSON_FIELDS = ("first_name", "last_name", "date_of_birth", "sex", "postcode", "pnc_id",
                 "nhs_number")  # fmt: skip
REQUIRED = ("event_id", "record_version", "case_id", "event_type", "event_date")
EVENT_TYPES = ("charge", "outcome", "intervention")
OFFENCE_CATEGORIES = {
    "homicide": "VIOLENCE_AGAINST_THE_PERSON", "attempted_murder": "VIOLENCE_AGAINST_THE_PERSON",
    "gbh_s18": "VIOLENCE_AGAINST_THE_PERSON", "wounding_s20": "VIOLENCE_AGAINST_THE_PERSON",
    "assault_injury": "VIOLENCE_AGAINST_THE_PERSON",
    "common_assault": "VIOLENCE_AGAINST_THE_PERSON", "robbery": "ROBBERY",
    "weapon_possession": "POSSESSION_OF_WEAPONS", "public_order": "PUBLIC_ORDER",
    "criminal_damage": "CRIMINAL_DAMAGE", "theft": "THEFT",
}  # fmt: skip
OUTCOMES = (
    "community_resolution",
    "youth_caution",
    "youth_conditional_caution",
    "referral_order",
    "youth_rehabilitation_order",
    "detention_and_training_order",
    "long_term_detention",
)
INTERVENTIONS = ("prevention", "diversion", "statutory", "custody")
SEX = {"M": "Male", "F": "Female", "U": "Unknown"}


def render(record: Record, ident: Identity) -> dict[str, Any]:
    d, person = record.data, record.person
    pnc = person.pnc if person.pnc_from <= record.occurred else None
    return {
        "event_id": record.ref, "record_version": record.version, "case_id": d["case_id"],
        "event_type": d["event_type"], "event_date": record.occurred.isoformat(),
        "offence_category": OFFENCE_CATEGORIES.get(d["category"]),
        "gravity_score": d["gravity"], "outcome": d.get("outcome"),
        "intervention": d.get("intervention"),
        "open_to_statutory_services": d["open"],
        "young_person": {
            "first_name": ident.forename, "last_name": ident.surname,
            "date_of_birth": iso(ident.dob), "sex": SEX[ident.sex],
            "postcode": ident.postcode or None, "pnc_id": pnc, "nhs_number": ident.nhs,
        },
    }  # fmt: skip


def corrupt(row: dict[str, Any], kind: str, rng: random.Random) -> None:
    person = row["young_person"]
    if kind == "invalid_identifier":
        person["pnc_id"] = wrong_check(person["pnc_id"]) if person["pnc_id"] else bad_pnc()
    elif kind == "invalid_date":
        row["event_date"] = impossible_date(row["event_date"])
    elif kind == "unknown_code":
        row["outcome"] = rng.choice(("youth_warning_x", "ZZ", "unknown"))
    else:
        row["event_type"] = None
