"""The connector's durable memory: an outbox of encoded events, and what Kafka acknowledged.

Every event is written here, in the same SQLite transaction as the input position it came
from, before it is sent. Kafka's acknowledgement moves it to ``published_key``. So a connector
killed at any moment restarts knowing (a) where to resume reading, (b) which events may or may
not have reached Kafka (those still in the outbox), and (c) which event ids it has already
published, which makes a re-sent record a skipped duplicate rather than a second event.

Events wait as one row per stored batch (a marshal blob of the batch), not one row per event:
a batch is written and, once Kafka has all of it, deleted as one row, which costs SQLite a
few large writes instead of a thousand B-tree inserts and deletes (the store thread's CPU per
event fell from ~33 to ~11 us). Which ids still wait is kept in memory as well, so duplicate
checks and counts need no query; it is rebuilt from the table at open.
"""

from __future__ import annotations

import json
import marshal
import re
import sqlite3
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from hub.errors import SerializationError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox_batch (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    events BLOB NOT NULL  -- marshal of [(event_id, topic, key, value, [(name, value)])]
);
CREATE TABLE IF NOT EXISTS published_key (
    key PRIMARY KEY  -- an event id: its 16 bytes if a UUID in canonical form, else its text
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS watermark (  -- the last acknowledged offset per partition
    topic TEXT NOT NULL,
    partition INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    PRIMARY KEY (topic, partition)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS inputs (
    digest TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    last_row INTEGER NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
"""


class PendingEvent(NamedTuple):
    event_id: str
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


class Acknowledged(NamedTuple):
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
        # never uses the connection (or the maps below) from two threads at once.
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        # Durability: WAL with synchronous=FULL fsyncs the log at every commit, so a committed
        # batch (events, input position, acknowledgements) survives a kill of the process and
        # a power cut alike; NORMAL would survive a kill only, and is not used.
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        # Copy the log into the database every ~40 MB rather than every 4 MB: outbox rows are
        # deleted soon after they are written, so most of their pages are written once per
        # checkpoint instead of several times. Durability is the log's.
        self._db.execute("PRAGMA wal_autocheckpoint=10000")
        self._db.executescript(_SCHEMA)
        # Ids still waiting, by stored batch (oldest first), and the batch of each id.
        self._waiting: dict[int, set[str]] = {}
        self._batch_of: dict[str, int] = {}
        self._move_per_event_rows()
        self._move_published_rows()
        published = self._published_among
        for seq, blob in self._db.execute("SELECT seq, events FROM outbox_batch ORDER BY seq"):
            ids = [e.event_id for e in self._load_batch(seq, blob)]
            self._add_waiting(seq, set(ids) - published(ids))

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
        return (self._batch_of.keys() & ids) | self._published_among(ids)

    def _published_among(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), _ROWS_PER_STATEMENT):
            chunk = ids[start : start + _ROWS_PER_STATEMENT]
            keys = _keys(chunk)
            rows = self._db.execute(
                f"SELECT key FROM published_key WHERE key IN ({','.join('?' * len(chunk))})",  # noqa: S608
                keys,
            ).fetchall()
            if rows:
                id_of = dict(zip(keys, chunk, strict=True))
                found.update(id_of[r[0]] for r in rows)
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

        Events already waiting are not stored twice. ``acknowledged`` (acks of earlier
        events) ride in the same transaction: one fsync.
        """
        waiting = self._batch_of
        fresh = [e for e in events if e.event_id not in waiting]
        acks = list(acknowledged)
        with self.transaction() as db:
            seq = None
            if fresh:
                blob = marshal.dumps([tuple(e) for e in fresh])  # marshal takes plain tuples
                seq = db.execute("INSERT INTO outbox_batch (events) VALUES (?)", (blob,)).lastrowid
            _set_position(db, digest, name, row, complete=False)
            emptied = self._write_acks(db, acks)
        if seq is not None:
            self._add_waiting(seq, {e.event_id for e in fresh})
        self._forget(acks, emptied)

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
        """Up to ``limit`` waiting events, oldest first."""
        found: list[PendingEvent] = []
        for seq, ids in self._waiting.items():
            if len(found) >= limit:
                break
            (blob,) = self._db.execute(
                "SELECT events FROM outbox_batch WHERE seq = ?", (seq,)
            ).fetchone()
            found += [e for e in self._load_batch(seq, blob) if e.event_id in ids]
        return found[:limit]

    def pending_count(self) -> int:
        return len(self._batch_of)

    def acknowledge(self, acks: Iterable[Acknowledged]) -> None:
        acks = list(acks)
        with self.transaction() as db:
            emptied = self._write_acks(db, acks)
        self._forget(acks, emptied)

    def high_watermarks(self) -> dict[tuple[str, int], int]:
        """The last acknowledged offset per topic partition: where uncertainty starts."""
        rows = self._db.execute("SELECT topic, partition, offset FROM watermark")
        return {(r[0], int(r[1])): int(r[2]) for r in rows}

    def published_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM published_key").fetchone()[0])

    def _write_acks(self, db: sqlite3.Connection, acks: list[Acknowledged]) -> list[int]:
        """Kafka has these: record where, and drop the stored batches it now has in full.
        Returns those batches; the maps change only once the transaction has committed.

        Per-event work is left to C loops (``map``, ``set``, ``Counter``): this runs on the
        store thread, and each microsecond of Python here is taken from the encoding thread.
        """
        ids = set(map(_first, acks))
        _insert_many(db, "INSERT OR IGNORE INTO published_key (key)", _keys(list(ids)), 1)
        _raise_watermarks(db, acks)
        waiting = self._waiting
        hits = Counter(map(self._batch_of.get, ids))
        emptied = [seq for seq, n in hits.items() if seq is not None and n == len(waiting[seq])]
        for start in range(0, len(emptied), _ROWS_PER_STATEMENT):
            chunk = emptied[start : start + _ROWS_PER_STATEMENT]
            db.execute(
                f"DELETE FROM outbox_batch WHERE seq IN ({', '.join('?' * len(chunk))})",  # noqa: S608
                chunk,
            )
        return emptied

    def _load_batch(self, seq: int, blob: bytes) -> list[PendingEvent]:
        """A stored batch; one that cannot be read is a clear error, and stays stored."""
        try:
            return _load_batch(blob)
        except (ValueError, TypeError, EOFError) as exc:
            raise SerializationError(
                f"{self.path}: stored batch {seq} cannot be read ({exc}); the outbox is left "
                "unchanged: restore the file from a backup, or move it aside to start afresh "
                "(its events may then be missing from Kafka)"
            ) from exc

    def _move_per_event_rows(self) -> None:
        """Outboxes written before batches were stored whole hold one row per event in
        ``outbox``: move those, oldest first, into one stored batch."""
        old = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"
        if not self._db.execute(old).fetchone():
            return
        rows = [
            (r[0], r[1], r[2], r[3], _load_headers(r[4]))
            for r in self._db.execute(
                "SELECT event_id, topic, key, value, headers FROM outbox ORDER BY seq"
            )
        ]
        with self.transaction() as db:
            if rows:
                db.execute("INSERT INTO outbox_batch (events) VALUES (?)", (marshal.dumps(rows),))
            db.execute("DROP TABLE outbox")

    def _move_published_rows(self) -> None:
        """Outboxes written before ``published_key`` hold each published event's id (text),
        topic, partition and offset in ``published``: keep the ids as keys and the highest
        offset per partition as its watermark."""
        old = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'published'"
        if not self._db.execute(old).fetchone():
            return
        ids = [r[0] for r in self._db.execute("SELECT event_id FROM published")]
        with self.transaction() as db:
            _insert_many(db, "INSERT OR IGNORE INTO published_key (key)", _keys(ids), 1)
            db.execute(
                "INSERT INTO watermark (topic, partition, offset) "
                "SELECT topic, partition, max(offset) FROM published GROUP BY topic, partition "
                "ON CONFLICT(topic, partition) DO UPDATE SET offset = max(offset, excluded.offset)"
            )
            db.execute("DROP TABLE published")

    def _add_waiting(self, seq: int, ids: set[str]) -> None:
        if ids:
            self._waiting[seq] = ids
            self._batch_of.update(dict.fromkeys(ids, seq))

    def _forget(self, acks: list[Acknowledged], emptied: list[int]) -> None:
        batch_of, waiting = self._batch_of, self._waiting
        before = len(batch_of)
        for seq in emptied:  # whole batches: their ids leave without a look at each ack
            deque(map(batch_of.pop, waiting.pop(seq)), maxlen=0)
        if before - len(batch_of) == len(acks):
            return  # every ack was of a batch now gone (the usual case)
        for a in acks:
            found = batch_of.pop(a.event_id, None)
            if found is not None:
                waiting[found].discard(a.event_id)


_first = itemgetter(0)
_partition = itemgetter(1, 2)  # (topic, partition) of an Acknowledged
_offset = itemgetter(3)


# Rows per statement. The connector writes on a background thread, and the sqlite3 module
# releases and re-takes the GIL around every statement step: one step per row (executemany)
# made that thread queue for the GIL a thousand times a batch behind the encoding thread
# (measured 11x slower). Multi-row statements take it a few times a batch instead.
_ROWS_PER_STATEMENT = 1000


def _insert_many(
    db: sqlite3.Connection, insert: str, values: Sequence[object], width: int, then: str = ""
) -> None:
    """``executemany`` of ``insert`` (columns named, no VALUES) over rows of ``width`` values
    laid end to end in ``values`` (built in one pass), in multi-row statements; ``then``
    ends each statement (an upsert clause)."""
    if not values:
        return
    marks = "(" + ", ".join("?" * width) + ")"
    step = _ROWS_PER_STATEMENT * width
    for start in range(0, len(values), step):
        chunk = values[start : start + step]
        db.execute(f"{insert} VALUES {', '.join([marks] * (len(chunk) // width))}{then}", chunk)


# Event ids in canonical UUID form (what the connector's encoder makes), end to end.
_UUIDS = re.compile(r"(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})+")


def _keys(ids: Sequence[str]) -> list[bytes | str]:
    """The ``published_key`` keys of event ids: a canonical UUID's 16 bytes (a third of the
    text, so the index, which every published event joins, is smaller and faster), anything
    else its text (SQLite never finds a text equal to a blob, so the two cannot collide).
    A batch of UUIDs is checked and converted in a few C calls rather than one per id."""
    joined = "".join(ids)
    if set(map(len, ids)) <= {36} and _UUIDS.fullmatch(joined):
        raw = bytes.fromhex(joined.replace("-", ""))
        return [raw[at : at + 16] for at in range(0, len(raw), 16)]
    return [bytes.fromhex(i.replace("-", "")) if _UUIDS.fullmatch(i) else i for i in ids]


def _raise_watermarks(db: sqlite3.Connection, acks: list[Acknowledged]) -> None:
    """Each partition's watermark becomes the highest offset acknowledged in it."""
    ordered = sorted(acks, key=_offset)  # already in order, as a rule: a linear pass
    highest = dict(zip(map(_partition, ordered), map(_offset, ordered), strict=True))
    _insert_many(
        db,
        "INSERT INTO watermark (topic, partition, offset)",
        [v for (topic, partition), offset in highest.items() for v in (topic, partition, offset)],
        3,
        " ON CONFLICT(topic, partition) DO UPDATE SET offset = max(offset, excluded.offset)",
    )


def _set_position(db: sqlite3.Connection, digest: str, name: str, row: int, complete: bool) -> None:
    db.execute(
        "INSERT INTO inputs (digest, name, last_row, complete) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(digest) DO UPDATE SET last_row = max(last_row, excluded.last_row), "
        "complete = max(complete, excluded.complete)",
        (digest, name, row, int(complete)),
    )


def _load_batch(blob: bytes) -> list[PendingEvent]:
    """A stored batch, as ``enqueue`` wrote it. The connector's own state file: marshal runs
    no code on load (unlike pickle), and only the shape ``enqueue`` writes is accepted."""
    return [
        PendingEvent(
            str(event_id),
            str(topic),
            None if key is None else bytes(key),
            bytes(value),
            [(str(name), bytes(v)) for name, v in headers],
        )
        for event_id, topic, key, value, headers in marshal.loads(blob)  # noqa: S302
    ]


def _load_headers(stored: str | bytes) -> list[tuple[str, bytes]]:
    """Headers of a per-event row: JSON text in the oldest outboxes, marshal in later ones."""
    if isinstance(stored, str):  # JSON text, as outboxes written before marshal hold
        return [(k, v.encode("latin-1")) for k, v in json.loads(stored)]
    # The connector's own state file: marshal runs no code on load
    # (unlike pickle), and only a list of (str, bytes) pairs is accepted from it.
    loaded = marshal.loads(stored)  # noqa: S302
    return [(str(k), bytes(v)) for k, v in loaded]
