"""Rows that fail validation: kept, with where they came from and why, never published.

The quarantine file stays inside the partner's network next to the connector's state. It
names the file, row, record reference, field and reason, but copies no values from the row:
the partner's own export is where the row is fixed, and a second copy of personal data in a
side file is one more thing to protect.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path


@dataclass(frozen=True)
class Quarantined:
    partner: str
    source: str
    row: int
    record_ref: str | None
    field: str | None
    kind: str  # missing_field | invalid_date | invalid_identifier | unknown_code | malformed_row
    reason: str


class QuarantineFile:
    """Append-only JSON Lines, flushed per batch; counts by kind for the run summary."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.counts: Counter[str] = Counter()
        self._handle = path.open("a", encoding="utf-8")

    def add(self, item: Quarantined) -> None:
        record = {"at": datetime.now(UTC).isoformat(timespec="seconds"), **asdict(item)}
        self._handle.write(json.dumps(record) + "\n")
        self.counts[item.kind] += 1

    def flush(self) -> None:
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()
