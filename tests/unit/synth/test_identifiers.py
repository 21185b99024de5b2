"""Every identifier the generator writes passes the hub's own checks (bad rows aside)."""

from __future__ import annotations

import pytest

from privacy.identifiers import (
    validate_nhs_number,
    validate_pnc_id,
    validate_prison_number,
    validate_upn,
)
from tests.unit.synth.conftest import Run, read_rows


def test_people_identifiers_validate(run: Run) -> None:
    people = run.truth("people.csv")
    nhs = [p["nhs_number"] for p in people]
    assert len(set(nhs)) == len(nhs)
    for p in people:
        assert p["nhs_number"].startswith("999"), "NHS numbers come from the test range"
        validate_nhs_number(p["nhs_number"])
        if p["pnc_id"]:
            validate_pnc_id(p["pnc_id"])
        if p["upn"]:
            validate_upn(p["upn"])
        if p["prison_number"]:
            validate_prison_number(p["prison_number"])
    for column in ("pnc_id", "upn", "prison_number", "yj_case_id"):
        values = [p[column] for p in people if p[column]]
        assert values, column
        assert len(set(values)) == len(values), f"{column} must be unique"


def _bad_refs(run: Run) -> set[str]:
    return {row["record_ref"] for row in run.truth("bad_rows.csv")}


@pytest.mark.parametrize(
    ("partner", "fields"),
    [
        ("police", [("PNCID", validate_pnc_id)]),
        ("prisons", [("PrisonNumber", validate_prison_number), ("PNC", validate_pnc_id),
                     ("NHSNumber", validate_nhs_number)]),
        ("schools", [("UPN", validate_upn)]),
    ],
)  # fmt: skip
def test_csv_export_identifiers_validate(run: Run, partner: str, fields: list) -> None:  # type: ignore[type-arg]
    bad, checked = _bad_refs(run), 0
    for path in run.files(partner):
        for row in read_rows(path):
            if row["RecordRef"] in bad:
                continue
            for column, validate in fields:
                if row[column]:
                    validate(row[column])
                    checked += 1
    assert checked


def test_json_export_identifiers_validate(run: Run) -> None:
    bad, checked = _bad_refs(run), 0
    for path in run.files("ed"):
        for row in read_rows(path):
            if row["attendance_id"] not in bad and row["patient"]["nhs_number"]:
                validate_nhs_number(row["patient"]["nhs_number"])
                checked += 1
    for path in run.files("youth_justice"):
        for row in read_rows(path):
            person = row["young_person"]
            if row["event_id"] not in bad and person["pnc_id"]:
                validate_pnc_id(person["pnc_id"])
                checked += 1
    assert checked
