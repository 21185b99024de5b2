"""Deliberately bad rows are exactly where ``truth/bad_rows.csv`` says, broken as it says."""

from __future__ import annotations

from pathlib import Path

from hub.synth.exports import PARTNERS
from hub.synth.exports.base import BAD_KINDS
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from tests.unit.synth.conftest import BAD_ROWS, Run, read_rows

_DATE_FIELD = {"police": "OccurredDateTime", "ed": "arrival_datetime", "prisons": "EventDate",
               "schools": "StartDate", "youth_justice": "event_date"}  # fmt: skip


def test_bad_rows_are_where_truth_says(run: Run) -> None:
    listed = run.truth("bad_rows.csv")
    assert len(listed) == BAD_ROWS * len(PARTNERS)
    for partner in PARTNERS:
        kinds = {b["kind"] for b in listed if b["partner"] == partner}
        assert kinds == set(BAD_KINDS)
    expected = {r["record_ref"] for r in run.truth("records.csv") if r["expected"] == "quarantine"}
    assert expected == {b["record_ref"] for b in listed}
    for bad in listed:
        module = PARTNERS[bad["partner"]]
        path = run.root / "exports" / bad["file"]
        row = read_rows(path)[int(bad["row"]) - 1]
        line = path.read_text(encoding="utf-8").splitlines()[int(bad["line"]) - 1]
        assert row[module.RECORD_REF] == bad["record_ref"]
        assert bad["record_ref"] in line
        if bad["kind"] == "invalid_date":
            value = str(row[_DATE_FIELD[bad["partner"]]])
            assert "31/02" in value or "-02-31" in value


def test_no_bad_rows_by_default(tmp_path: Path) -> None:
    manifest = generate(SynthParams(people=300, seed=2), tmp_path)
    assert sum(manifest["bad_rows"].values()) == 0
    assert (tmp_path / "truth" / "bad_rows.csv").read_text().count("\n") == 1
