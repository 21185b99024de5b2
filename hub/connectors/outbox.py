"""The connector's durable memory: an outbox of encoded events, and what Kafka acknowledged.

Every event is written here, in the same SQLite transaction as the input position it came
from, before it is sent. Kafka's acknowledgement moves it to ``published``. So a connector
killed at any moment restarts knowing (a) where to resume reading, (b) which events may or may
not have reached Kafka (those still in the outbox), and (c) which event ids it has already
published, which makes a re-sent record a skipped duplicate rather than a second event.
"""

from __future__ import annotations

import json
import marshal
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    topic TEXT NOT NULL,
    key BLOB,
    value BLOB NOT NULL,
    headers BLOB NOT NULL  -- marshal of [(name, value)]; JSON text in older files
);
CREATE TABLE IF NOT EXISTS published (
    event_id TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    offset INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inputs (
    digest TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    last_row INTEGER NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True)
class PendingEvent:
    event_id: str
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class Acknowledged:
    event_id: str
    topic: str
    partition: int
    offset: int


class Outbox:
    """One connector's state in one SQLite file (WAL, fsync on commit)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # The pipeline stores batches on a background thread while it encodes the next; it
        # never uses the connection from two threads at once.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # Durability: WAL with synchronous=FULL fsyncs the log at every commit, so a committed
        # batch (events, input position, acknowledgements) survives a kill of the process and
        # a power cut alike; NORMAL would survive a kill only, and is not used.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        # Copy the log into the database every ~40 MB rather than every 4 MB: outbox rows are
        # deleted soon after they are written, so most of their pages are written once per
        # checkpoint instead of several times (~2 us less CPU an event). Durability is the log's.
        self._db.execute("PRAGMA wal_autocheckpoint=10000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def known(self, event_ids: Iterable[str]) -> set[str]:
        """Which of these ids are already published or waiting to be."""
        ids = list(event_ids)
        found: set[str] = set()
        for start in range(0, len(ids), _ROWS_PER_STATEMENT):
            chunk = ids[start : start + _ROWS_PER_STATEMENT]
            marks = ",".join("?" * len(chunk))
            for table in ("published", "outbox"):
                rows = self._db.execute(
                    f"SELECT event_id FROM {table} WHERE event_id IN ({marks})",  # noqa: S608
                    chunk,
                )
                found.update(r[0] for r in rows)
        return found

    def enqueue(
        self,
        events: Iterable[PendingEvent],
        digest: str,
        name: str,
        row: int,
        acknowledged: Iterable[Acknowledged] = (),
    ) -> None:
        """Store events and the input position they bring us to, atomically.

        ``acknowledged`` (acks of earlier events) ride in the same transaction: one fsync.
        """
        dump = _dump_headers
        values = [v for e in events for v in (e.event_id, e.topic, e.key, e.value, dump(e.headers))]
        with self.transaction() as db:
            _insert_many(
                db, "INSERT OR IGNORE INTO outbox (event_id, topic, key, value, headers)", values, 5
            )
            _set_position(db, digest, name, row, complete=False)
            _acknowledge(db, list(acknowledged))

    def mark_complete(self, digest: str, name: str, row: int) -> None:
        with self.transaction() as db:
            _set_position(db, digest, name, row, complete=True)

    def position(self, digest: str) -> tuple[int, bool]:
        """(last row stored, whether the file is done) for a file, by content digest."""
        found = self._db.execute(
            "SELECT last_row, complete FROM inputs WHERE digest = ?", (digest,)
        ).fetchone()
        return (int(found[0]), bool(found[1])) if found else (0, False)

    def pending(self, limit: int) -> list[PendingEvent]:
        rows = self._db.execute(
            "SELECT event_id, topic, key, value, headers FROM outbox ORDER BY seq LIMIT ?",
            (limit,),
        )
        return [PendingEvent(r[0], r[1], r[2], r[3], _load_headers(r[4])) for r in rows]

    def pending_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])

    def acknowledge(self, acks: Iterable[Acknowledged]) -> None:
        with self.transaction() as db:
            _acknowledge(db, list(acks))

    def high_watermarks(self) -> dict[tuple[str, int], int]:
        """The last acknowledged offset per topic partition: where uncertainty starts."""
        rows = self._db.execute(
            "SELECT topic, partition, max(offset) FROM published GROUP BY topic, partition"
        )
        return {(r[0], int(r[1])): int(r[2]) for r in rows}

    def published_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM published").fetchone()[0])


# Rows per statement. The connector writes on a background thread, and the sqlite3 module
# releases and re-takes the GIL around every statement step: one step per row (executemany)
# made that thread queue for the GIL a thousand times a batch behind the encoding thread
# (measured 11x slower). Multi-row statements take it a few times a batch instead.
_ROWS_PER_STATEMENT = 1000


def _insert_many(db: sqlite3.Connection, insert: str, values: Sequence[object], width: int) -> None:
    """``executemany`` of ``insert`` (columns named, no VALUES) over rows of ``width`` values
    laid end to end in ``values`` (built in one pass), in multi-row statements."""
    if not values:
        return
    marks = "(" + ", ".join("?" * width) + ")"
    step = _ROWS_PER_STATEMENT * width
    for start in range(0, len(values), step):
        chunk = values[start : start + step]
        db.execute(f"{insert} VALUES {', '.join([marks] * (len(chunk) // width))}", chunk)


def _acknowledge(db: sqlite3.Connection, acks: list[Acknowledged]) -> None:
    """Kafka has these: record where, and drop them from the outbox."""
    _insert_many(
        db,
        "INSERT OR REPLACE INTO published (event_id, topic, partition, offset)",
        [v for a in acks for v in (a.event_id, a.topic, a.partition, a.offset)],
        4,
    )
    for start in range(0, len(acks), _ROWS_PER_STATEMENT):
        ids = [a.event_id for a in acks[start : start + _ROWS_PER_STATEMENT]]
        db.execute(
            f"DELETE FROM outbox WHERE event_id IN ({', '.join('?' * len(ids))})",  # noqa: S608
            ids,
        )


def _set_position(db: sqlite3.Connection, digest: str, name: str, row: int, complete: bool) -> None:
    db.execute(
        "INSERT INTO inputs (digest, name, last_row, complete) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(digest) DO UPDATE SET last_row = max(last_row, excluded.last_row), "
        "complete = max(complete, excluded.complete)",
        (digest, name, row, int(complete)),
    )


def _dump_headers(headers: list[tuple[str, bytes]]) -> bytes:
    """Headers as a marshal blob: ~0.5 us an event on the store thread, with the GIL held,
    where JSON took ~3 us. Only (str, bytes) pairs this process wrote are ever loaded."""
    return marshal.dumps(headers)


def _load_headers(stored: str | bytes) -> list[tuple[str, bytes]]:
    if isinstance(stored, str):  # JSON text, as outboxes written before marshal hold
        return [(k, v.encode("latin-1")) for k, v in json.loads(stored)]
    # The connector's own state file, written by _dump_headers: marshal runs no code on load
    # (unlike pickle), and only a list of (str, bytes) pairs is accepted from it.
    loaded = marshal.loads(stored)  # noqa: S302
    return [(str(k), bytes(v)) for k, v in loaded]
