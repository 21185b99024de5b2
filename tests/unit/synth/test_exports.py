"""Each partner's export parses, has its declared columns, is time-sorted and fully covered."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from hub.synth.exports import PARTNERS
from tests.unit.synth.conftest import Run, read_rows

#: Partner -> how to read the time a row was recorded (what sorts and splits the files).
_RECORD_TIME = {
    "police": lambda r: datetime.strptime(r["LastModified"], "%d/%m/%Y %H:%M"),
    "ed": lambda r: datetime.fromisoformat(r["arrival_datetime"]),
    "prisons": lambda r: datetime.strptime(r["EventDate"], "%d/%m/%Y"),
    "schools": lambda r: datetime.fromisoformat(r["StartDate"]),
    "youth_justice": lambda r: datetime.fromisoformat(r["event_date"]),
}


@pytest.mark.parametrize("partner", list(PARTNERS))
def test_files_parse_with_declared_columns_in_time_order(run: Run, partner: str) -> None:
    module = PARTNERS[partner]
    bad = {row["record_ref"] for row in run.truth("bad_rows.csv")}
    files = run.files(partner)
    assert len(files) >= (30 if partner in ("police", "ed", "schools") else 12), "monthly files"
    for path in files:
        yyyymm = re.search(r"_(\d{6})\.", path.name)
        assert yyyymm
        assert path.name == module.FILE_PATTERN.format(yyyymm=yyyymm.group(1))
        rows = read_rows(path)
        assert rows
        if module.FORMAT == "csv":
            header = path.read_text(encoding="utf-8").splitlines()[0]
            assert tuple(header.split(",")) == module.COLUMNS
        times = []
        for row in rows:
            assert tuple(row) == module.COLUMNS
            if row[module.RECORD_REF] in bad:
                continue
            moment = _RECORD_TIME[partner](row)
            assert f"{moment:%Y%m}" == yyyymm.group(1)
            times.append(moment.date())
        assert times == sorted(times)


def _exported(run: Run) -> set[tuple[str, str, str]]:
    out = set()
    for partner, module in PARTNERS.items():
        for path in run.files(partner):
            for row in read_rows(path):
                out.add((partner, row[module.RECORD_REF], str(row[module.RECORD_VERSION])))
    return out


def test_truth_covers_every_exported_record(run: Run) -> None:
    exported = _exported(run)
    truth = {(r["partner"], r["record_ref"], r["record_version"]) for r in run.truth("records.csv")}
    assert exported == truth
    assert sum(run.manifest["records"].values()) == len(exported)


def test_events_reference_real_records_and_people(run: Run) -> None:
    people = {p["person_id"] for p in run.truth("people.csv")}
    records = {(r["partner"], r["record_ref"]): r["person_id"] for r in run.truth("records.csv")}
    events = run.truth("events.csv")
    assert events
    for event in events:
        assert records[(event["partner"], event["record_ref"])] == event["person_id"]
        assert event["person_id"] in people


def test_police_updates_keep_the_reference(run: Run) -> None:
    versions: dict[str, set[str]] = {}
    for path in run.files("police"):
        for row in read_rows(path):
            versions.setdefault(row["RecordRef"], set()).add(row["RecordVersion"])
    assert any(v == {"1", "2"} for v in versions.values())


def test_groups_and_out_of_area_suspects_are_present(run: Run) -> None:
    rows: list[dict[str, Any]] = [r for p in run.files("police") for r in read_rows(p)]
    assert any(int(r["SuspectCount"]) >= 2 for r in rows)
    postcodes = {r["HomePostcode"][:2] for r in rows if r["Role"] == "SUSPECT"}
    assert {"ZY", "ZW", "ZX"} <= postcodes
