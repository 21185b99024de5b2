"""Read a partner's export files: CSV or JSON Lines, one file, a drop folder, or stdin.

A file that is not what it claims (wrong columns, not UTF-8, cut off mid-row) is refused as a
whole before any of its rows is published: half a file is worse than none, because nobody
notices the missing half. A single bad row inside a sound file is the row's problem, not the
file's: it is yielded as a ``BadRow`` and quarantined by the pipeline.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from hub.errors import HubError

Format = Literal["csv", "jsonl"]
_IGNORED_SUFFIXES = (".tmp", ".part", ".partial")


class InputRefusedError(HubError):
    """A whole input file was refused; the message says which file and why."""


@dataclass(frozen=True, slots=True)
class Row:
    source: str
    number: int  # 1-based data row number (the CSV header is not a row)
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BadRow:
    source: str
    number: int
    reason: str


@dataclass(frozen=True)
class InputFile:
    path: Path
    digest: str  # sha256 of the bytes: a file's identity for checkpoints, whatever its name
    display: str


def inspect(path: Path, display: str | None = None) -> InputFile:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return InputFile(path, digest.hexdigest(), display or path.name)


def drop_folder_files(folder: Path, suffix: str) -> list[Path]:
    """Complete files in name order; partners write ``*.tmp`` and rename when done."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.name.endswith(suffix)
        and not p.name.startswith(".")
        and not p.name.endswith(_IGNORED_SUFFIXES)
    )


def spool_stdin(directory: Path) -> Path:
    """Standard input can be read once only; keep it so the file checks can run first."""
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=directory, delete=False, suffix=".stdin") as out:
        shutil.copyfileobj(sys.stdin.buffer, out)
    return Path(out.name)


def read_rows(
    file: InputFile, fmt: Format, columns: tuple[str, ...], start_after: int = 0
) -> Iterator[Row | BadRow]:
    """Check the whole file, then yield its rows after row ``start_after``."""
    text = _decode(file)
    if text and not text.endswith("\n"):
        raise InputRefusedError(
            f"{file.display}: the file does not end with a newline; it looks truncated "
            f"(last line starts {text.rsplit(chr(10), 1)[-1][:40]!r})"
        )
    rows = _csv_rows(file, text, columns) if fmt == "csv" else _jsonl_rows(file, text, columns)
    for row in rows:
        if row.number > start_after:
            yield row


def _decode(file: InputFile) -> str:
    raw = file.path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputRefusedError(
            f"{file.display}: not UTF-8 text (byte offset {exc.start}: {exc.reason}); "
            "export it as UTF-8"
        ) from exc


def _csv_rows(file: InputFile, text: str, columns: tuple[str, ...]) -> Iterator[Row | BadRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        return
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputRefusedError(
            f"{file.display}: wrong columns: missing {', '.join(missing)} "
            f"(found {', '.join(header[:12])}{'...' if len(header) > 12 else ''})"
        )
    for number, values in enumerate(reader, start=1):
        if len(values) != len(header):
            yield BadRow(file.display, number, f"{len(values)} fields, header has {len(header)}")
        else:
            yield Row(file.display, number, dict(zip(header, values, strict=True)))


def _jsonl_rows(file: InputFile, text: str, columns: tuple[str, ...]) -> Iterator[Row | BadRow]:
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadRow(file.display, number, f"not JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(value, dict):
            yield BadRow(file.display, number, "not a JSON object")
        elif number == 1 and not any(c in value for c in columns):
            raise InputRefusedError(
                f"{file.display}: wrong fields: none of {', '.join(columns[:5])}... in the "
                "first record; is this the right partner's export?"
            )
        else:
            yield Row(file.display, number, value)
