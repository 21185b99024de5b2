"""The delivery ledger: one row per (alert, panel, channel), the receipt of its outcome.

Kafka offsets are committed only after every channel of an alert has a final outcome, so a
crash re-reads alerts; this ledger (SQLite, WAL, synchronous=FULL) is what makes the second
read cheap and safe: a channel whose outcome is final is skipped, and one that was started
but not finished is tried again (the receiver deduplicates that rare re-send by its
Idempotency-Key). ``starts`` counts how many service runs began a channel's delivery: a
value above 1 marks a possible re-send, which the restart test counts.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FINAL = ("delivered", "dead_lettered")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    alert_id    TEXT NOT NULL,
    panel       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead_lettered')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    starts      INTEGER NOT NULL DEFAULT 0,
    http_status INTEGER,
    last_error  TEXT,
    started_at  REAL NOT NULL,
    updated_at  REAL NOT NULL,
    PRIMARY KEY (alert_id, panel, channel)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class Receipt:
    alert_id: str
    panel: str
    channel: str
    status: str
    attempts: int
    starts: int
    http_status: int | None
    last_error: str | None
    updated_at: float


class Ledger:
    """Thread-safe: the service's delivery threads share one connection under a lock."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def get(self, alert_id: str, panel: str, channel: str) -> Receipt | None:
        with self._lock:
            row = self._db.execute(
                "SELECT alert_id, panel, channel, status, attempts, starts, http_status, "
                "last_error, updated_at FROM deliveries "
                "WHERE alert_id = ? AND panel = ? AND channel = ?",
                (alert_id, panel, channel),
            ).fetchone()
        return Receipt(*row) if row else None

    def start(self, alert_id: str, panel: str, channel: str) -> Receipt | None:
        """Mark a delivery begun; returns the final receipt instead if there already is one."""
        now = self._clock()
        with self._lock:
            row = self._db.execute(
                "INSERT INTO deliveries (alert_id, panel, channel, status, starts, started_at, "
                "updated_at) VALUES (?, ?, ?, 'pending', 1, ?, ?) "
                "ON CONFLICT (alert_id, panel, channel) DO UPDATE SET "
                "starts = starts + 1, updated_at = excluded.updated_at "
                "WHERE status = 'pending' "
                "RETURNING status",
                (alert_id, panel, channel, now, now),
            ).fetchone()
        if row is None:  # the conflict's WHERE failed: a final outcome exists
            return self.get(alert_id, panel, channel)
        return None

    def attempt(self, alert_id: str, panel: str, channel: str, error: str | None) -> None:
        """Count one failed attempt, with its error."""
        with self._lock:
            self._db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = COALESCE(?, "
                "last_error), updated_at = ? WHERE alert_id = ? AND panel = ? AND channel = ?",
                (error, self._clock(), alert_id, panel, channel),
            )

    def finish(
        self,
        alert_id: str,
        panel: str,
        channel: str,
        status: str,
        http_status: int | None,
        last_error: str | None,
        *,
        attempted: bool = False,
    ) -> Receipt:
        """Record the final outcome durably (the receipt); ``attempted`` also counts the
        attempt that produced it, in the same transaction."""
        if status not in FINAL:
            raise ValueError(f"not a final status: {status}")
        with self._lock:
            self._db.execute(
                "UPDATE deliveries SET status = ?, http_status = ?, last_error = ?, "
                "updated_at = ?, attempts = attempts + ? "
                "WHERE alert_id = ? AND panel = ? AND channel = ?",
                (
                    status,
                    http_status,
                    last_error,
                    self._clock(),
                    int(attempted),
                    alert_id,
                    panel,
                    channel,
                ),
            )
        receipt = self.get(alert_id, panel, channel)
        assert receipt is not None
        return receipt

    def receipts(self, limit: int | None = None) -> list[Receipt]:
        """Most recent first."""
        query = (
            "SELECT alert_id, panel, channel, status, attempts, starts, http_status, "
            "last_error, updated_at FROM deliveries ORDER BY updated_at DESC"
        )
        with self._lock:
            rows = self._db.execute(query + (f" LIMIT {int(limit)}" if limit else "")).fetchall()
        return [Receipt(*row) for row in rows]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._db.execute(
                "SELECT status, COUNT(*) FROM deliveries GROUP BY status"
            ).fetchall()
        return dict(rows)

    def close(self) -> None:
        with self._lock:
            self._db.close()
