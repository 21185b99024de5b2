"""`hub link files`: batch linkage of person-record CSVs, through the stream's linker."""

from __future__ import annotations

import csv
import json
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from hub.cli.main import app
from hub.errors import ConfigurationError
from hub.linkage.batch import (
    ColumnMapping,
    MatchedPair,
    QuarantinedRow,
    parse_identifiers,
    run_batch,
)
from hub.linkage.linker import LinkerConfig
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.identifiers import IdentifierType, nhs_check_digit
from tests.unit.privacy.conftest import fixed_linkage

LINKAGE = fixed_linkage(1)
POLICE = ColumnMapping(
    record_id="RecordRef",
    given="Forename",
    family="Surname",
    dob="DateOfBirth",
    dob_format="%d/%m/%Y",
    sex="Gender",
    postcode="HomePostcode",
    address=("HomeAddress",),
    identifiers=(("PNCID", IdentifierType.PNC),),
)
ED = ColumnMapping(
    record_id="id",
    given="first",
    family="last",
    dob="dob",
    sex="sex",
    postcode="pc",
    address=("addr",),
    identifiers=(("nhs", IdentifierType.NHS),),
)


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth")
    generate(SynthParams(people=4000, seed=5, bad_rows=6), root)
    return root


def police_file(synth: Path, out: Path) -> Path:
    """The police exports' person rows (first versions) as one file."""
    rows: list[dict[str, str]] = []
    for path in sorted((synth / "exports" / "police").iterdir()):
        with path.open(newline="") as handle:
            rows += [r for r in csv.DictReader(handle) if r["RecordVersion"] == "1"]
    return write_csv(out, rows)


def ed_file(synth: Path, out: Path) -> Path:
    """The ED exports' patients, flattened into a CSV of a different shape."""
    rows = []
    for path in sorted((synth / "exports" / "ed").iterdir()):
        for line in path.read_text().splitlines():
            r = json.loads(line)
            if r["record_version"] != 1:
                continue
            p = r["patient"]
            rows.append(
                {
                    "id": r["attendance_id"],
                    "first": p["forename"],
                    "last": p["surname"],
                    "dob": p["dob"] or "",
                    "sex": p["sex"],
                    "pc": p["postcode"] or "",
                    "addr": p["address"] or "",
                    "nhs": p["nhs_number"] or "",
                }
            )
    return write_csv(out, rows)


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="") as handle:
        out = csv.DictWriter(handle, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    return path


def truth_people(synth: Path, partner: str) -> dict[str, str]:
    with (synth / "truth" / "records.csv").open() as handle:
        return {
            r["record_ref"]: r["person_id"]
            for r in csv.DictReader(handle)
            if r["partner"] == partner  # bad rows too: a bad crime date is a fine person row
        }


def f1(predicted: set[tuple[str, str]], true: set[tuple[str, str]]) -> tuple[float, float, float]:
    correct = len(predicted & true)
    p = correct / len(predicted) if predicted else 1.0
    r = correct / len(true) if true else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def pair_set(pairs: list[MatchedPair]) -> set[tuple[str, str]]:
    return {(p.left_id, p.right_id) for p in pairs}


def test_duplicates_within_a_police_export_match_the_truth(synth: Path, tmp_path: Path) -> None:
    path = police_file(synth, tmp_path / "police.csv")
    bad: list[QuarantinedRow] = []
    pairs, summary, _ = run_batch([path], [POLICE], LINKAGE, bad.append)
    people = truth_people(synth, "police")
    linked = {p.left_id for p in pairs} | {p.right_id for p in pairs}
    assert linked <= set(people)
    true: set[tuple[str, str]] = set()
    by_person: dict[str, list[str]] = {}
    with path.open() as handle:
        for row in csv.DictReader(handle):
            if row["RecordRef"] in people:
                by_person.setdefault(people[row["RecordRef"]], []).append(row["RecordRef"])
    for refs in by_person.values():
        true |= set(combinations(refs, 2))
    predicted = pair_set(pairs)
    # pairs are written in file order, as the truth pairs are
    precision, recall, score = f1(predicted, true)
    assert len(true) > 500
    assert precision >= 0.99, (precision, recall)
    assert recall >= 0.97, (precision, recall)
    assert score >= 0.98
    assert {p.method for p in pairs} == {"exact", "fuzzy"}  # PNC ids and encodings both join
    # The synthetic bad rows with an invalid PNC check letter are quarantined, not linked.
    assert bad
    assert all(b.kind == "invalid_identifier" and b.field == "PNCID" for b in bad)
    assert summary.rows["police.csv"] == sum(1 for _ in path.open()) - 1
    assert sum(summary.linked.values()) + len(bad) == summary.rows["police.csv"]


def test_two_files_give_only_pairs_across_them(synth: Path, tmp_path: Path) -> None:
    police = police_file(synth, tmp_path / "police.csv")
    ed = ed_file(synth, tmp_path / "ed.csv")
    bad: list[QuarantinedRow] = []
    pairs, _, _ = run_batch([police, ed], [POLICE, ED], LINKAGE, bad.append)
    assert pairs
    assert all(p.left_file == "police.csv" and p.right_file == "ed.csv" for p in pairs)
    cop, nurse = truth_people(synth, "police"), truth_people(synth, "ed")
    true = {(a, b) for a, pa in cop.items() for b, pb in nurse.items() if pa == pb}
    with police.open() as handle:
        in_file = {r["RecordRef"] for r in csv.DictReader(handle)}
    gone = {b.record_id for b in bad}
    true = {(a, b) for a, b in true if a in in_file and not {a, b} & gone}
    precision, recall, score = f1(pair_set(pairs), true)
    assert precision >= 0.98, (precision, recall, score)
    assert recall >= 0.97, (precision, recall, score)
    assert all(p.score is None or 0.0 <= p.score <= 1.0 for p in pairs)


def valid_nhs(seed: int) -> str:
    for n in range(seed, seed + 100):
        first = f"999{n:06d}"
        if (check := nhs_check_digit(first)) is not None:
            return first + str(check)
    raise AssertionError


def test_bad_rows_are_quarantined_with_file_row_field_and_reason(tmp_path: Path) -> None:
    good = valid_nhs(10)
    rows = [
        ["id", "given", "family", "born", "sex", "nhs"],
        ["r1", "Ann", "Smith", "09/04/2006", "F", good],
        ["r2", "Ann", "Smith", "31/02/2006", "F", ""],  # impossible date
        ["r3", "Ann", "Smith", "09/04/2006", "F", good[:-1] + str((int(good[-1]) + 1) % 10)],
        ["r4", "Ann", "Smith", "09/04/2006", "Q", ""],  # unknown sex code
        ["", "Ann", "Smith", "09/04/2006", "F", ""],  # no record id
        ["r1", "Ann", "Smith", "09/04/2006", "F", ""],  # id used before
        ["r7", "", "", "", "", ""],  # nothing to link on
        ["r8", "Ann"],  # short row
        ["r9", "Anne", "Smith", "09/04/2006", "2", ""],  # NHS Data Dictionary code: female
    ]
    path = tmp_path / "people.csv"
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    mapping = ColumnMapping(
        "id", "given", "family", "born", "%d/%m/%Y", "sex", None, (),
        parse_identifiers(["nhs:nhs"]),
    )  # fmt: skip
    bad: list[QuarantinedRow] = []
    pairs, summary, _ = run_batch([path], [mapping], LINKAGE, bad.append)
    got = {(b.row, b.record_id, b.field, b.kind) for b in bad}
    assert got == {
        (2, "r2", "born", "invalid_date"),
        (3, "r3", "nhs", "invalid_identifier"),
        (4, "r4", "sex", "unknown_code"),
        (5, None, "id", "missing_field"),
        (6, "r1", "id", "duplicate_id"),
        (7, "r7", "id", "missing_field"),
        (8, "r8", None, "malformed_row"),
    }
    assert all(b.file == "people.csv" and b.reason for b in bad)
    assert "Smith" not in " ".join(b.reason for b in bad)  # no values copied
    assert [(p.left_id, p.right_id) for p in pairs] == [("r1", "r9")]
    assert summary.rows["people.csv"] == 9
    assert summary.linked["people.csv"] == 2


def test_a_missing_mapped_column_names_the_column_and_the_file(tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", [{"id": "1", "given": "Ann", "dob": "2001-02-03"}])
    second = write_csv(tmp_path / "b.csv", [{"ref": "1", "given": "Ann", "dob": "2001-02-03"}])
    mapping = ColumnMapping("id", "given", family="surname")
    with pytest.raises(
        ConfigurationError, match=r"a.csv: no column 'surname' \(given as --family\)"
    ):
        run_batch([first], [mapping], LINKAGE, lambda _: None)
    with pytest.raises(ConfigurationError, match=r"b.csv: no column 'id' \(given as --id\)"):
        run_batch([first, second], [ColumnMapping("id", "given")] * 2, LINKAGE, lambda _: None)
    left = ColumnMapping("id", "given", dob="dob")
    right = left.with_overrides({"record_id": "ref"})
    pairs, _, _ = run_batch([first, second], [left, right], LINKAGE, lambda _: None)
    assert [(p.left_id, p.right_id) for p in pairs] == [("1", "1")]


def test_a_postcode_in_the_address_lines_is_used_when_the_column_is_blank(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "people.csv",
        [
            {"id": "a", "g": "Tomasz", "f": "Nowak", "d": "2001-03-04", "pc": "ZY1 2AB",
             "l1": "", "l2": ""},
            {"id": "b", "g": "Tomasz", "f": "Nowak", "d": "2001-03-04", "pc": "",
             "l1": "4 High St", "l2": "Cityfield zy1 2ab"},
        ],
    )  # fmt: skip
    mapping = ColumnMapping("id", "g", "f", "d", postcode="pc", address=("l1", "l2"))
    pairs, _, _ = run_batch([path], [mapping], LINKAGE, lambda _: None)
    assert len(pairs) == 1
    assert pairs[0].score == 1.0


def test_the_batch_uses_the_stream_linker_thresholds(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "people.csv",
        [
            {"id": "a", "g": "Jonathan", "f": "Okafor", "d": "1999-01-20"},
            {"id": "b", "g": "Jonathon", "f": "Okafor", "d": "1999-01-20"},
        ],
    )
    mapping = ColumnMapping("id", "g", "f", "d")
    pairs, _, _ = run_batch([path], [mapping], LINKAGE, lambda _: None)
    assert len(pairs) == 1
    assert pairs[0].method == "fuzzy"
    assert pairs[0].score
    strict = LinkerConfig(threshold=0.999)
    pairs, _, _ = run_batch([path], [mapping], LINKAGE, lambda _: None, config=strict)
    assert pairs == []


def test_the_cli_writes_pairs_quarantine_summary_and_explains(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "people.csv",
        [
            {"id": "a", "g": "Ann", "f": "Smith", "d": "09/04/2006", "nhs": valid_nhs(10)},
            {"id": "b", "g": "Ann", "f": "Smith", "d": "09/04/2006", "nhs": valid_nhs(10)},
            {"id": "c", "g": "Ann", "f": "Smith", "d": "31/04/2006", "nhs": ""},
        ],
    )
    out, quarantine, state = tmp_path / "pairs.csv", tmp_path / "q.csv", tmp_path / "state.json"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "link", "files", str(path), "--id", "id", "--given", "g", "--family", "f",
            "--dob", "d", "--dob-format", "%d/%m/%Y", "--identifier", "nhs:nhs",
            "-o", str(out), "--quarantine", str(quarantine), "--state", str(state),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "ephemeral linkage key" in result.output
    assert "quarantined 1 rows" in result.output
    with out.open() as handle:
        written = list(csv.DictReader(handle))
    assert [(r["left_id"], r["right_id"], r["method"]) for r in written] == [("a", "b", "exact")]
    with quarantine.open() as handle:
        assert list(csv.DictReader(handle)) == [
            {
                "file": "people.csv",
                "row": "3",
                "record_id": "c",
                "field": "d",
                "kind": "invalid_date",
                "reason": "not a real date in %d/%m/%Y (day is out of range for month)",
            }
        ]
    explained = runner.invoke(
        app, ["link", "explain", written[0]["cluster"], "--state", str(state)]
    )
    assert explained.exit_code == 0, explained.output
    assert explained.output.count("exact") == 1
    assert "new_person" in explained.output

    elsewhere = tmp_path / "never.csv"
    missing = runner.invoke(
        app,
        [
            "link",
            "files",
            str(path),
            "--id",
            "id",
            "--given",
            "name",
            "--quarantine",
            str(elsewhere),
        ],
    )
    assert missing.exit_code == 1
    assert "people.csv: no column 'name' (given as --given)" in " ".join(missing.output.split())
    assert not elsewhere.exists()  # refused before any output was created
