"""Input files: sound files yield rows, unsound files are refused whole, bad rows are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.connectors.reader import (
    BadRow,
    InputRefusedError,
    Row,
    drop_folder_files,
    inspect,
    read_rows,
)

COLUMNS = ("Ref", "Name")


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_csv_rows_are_numbered_from_one_after_the_header(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv", b"Ref,Name,Extra\nr1,Ann,x\nr2,Bob,y\n")
    rows = list(read_rows(inspect(path), "csv", COLUMNS))
    assert rows == [
        Row("a.csv", 1, {"Ref": "r1", "Name": "Ann", "Extra": "x"}),
        Row("a.csv", 2, {"Ref": "r2", "Name": "Bob", "Extra": "y"}),
    ]


def test_resume_skips_rows_already_stored(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv", b"Ref,Name\nr1,Ann\nr2,Bob\nr3,Cy\n")
    rows = list(read_rows(inspect(path), "csv", COLUMNS, start_after=2))
    assert [r.number for r in rows] == [3]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Ref,Surname\nr1,Ann\n", "wrong columns: missing Name"),
        (b"Ref,Name\nr1,Ann\nr2,B", "truncated"),
        (b"Ref,Name\nr1,\xff\xfeAnn\n", "not UTF-8 text"),
    ],
)
def test_unsound_csv_files_are_refused_whole(tmp_path: Path, data: bytes, message: str) -> None:
    path = _write(tmp_path, "bad.csv", data)
    with pytest.raises(InputRefusedError, match=message) as refused:
        list(read_rows(inspect(path), "csv", COLUMNS))
    assert "bad.csv" in str(refused.value)


def test_a_short_row_inside_a_sound_file_is_a_bad_row_not_a_refusal(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv", b"Ref,Name\nr1,Ann\nr2\nr3,Cy\n")
    rows = list(read_rows(inspect(path), "csv", COLUMNS))
    assert rows[1] == BadRow("a.csv", 2, "1 fields, header has 2")
    assert isinstance(rows[2], Row)


def test_jsonl_bad_lines_are_named_and_the_rest_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.jsonl", b'{"Ref": "r1"}\n{not json\n[1]\n{"Ref": "r4"}\n')
    rows = list(read_rows(inspect(path), "jsonl", COLUMNS))
    assert [type(r).__name__ for r in rows] == ["Row", "BadRow", "BadRow", "Row"]
    assert isinstance(rows[1], BadRow)
    assert rows[1].number == 2
    assert "not JSON" in rows[1].reason


def test_jsonl_of_another_partner_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.jsonl", b'{"other": 1}\n')
    with pytest.raises(InputRefusedError, match="wrong fields"):
        list(read_rows(inspect(path), "jsonl", COLUMNS))


def test_drop_folder_takes_complete_files_in_name_order(tmp_path: Path) -> None:
    for name in ("b.csv", "a.csv", "c.csv.tmp", ".hidden.csv", "notes.txt"):
        (tmp_path / name).write_text("x\n")
    assert [p.name for p in drop_folder_files(tmp_path, ".csv")] == ["a.csv", "b.csv"]


def test_file_identity_is_its_content_not_its_name(tmp_path: Path) -> None:
    one = inspect(_write(tmp_path, "one.csv", b"Ref,Name\n"))
    two = inspect(_write(tmp_path, "two.csv", b"Ref,Name\n"))
    assert one.digest == two.digest
