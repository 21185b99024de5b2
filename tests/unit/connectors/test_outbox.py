"""The outbox's SQLite bookkeeping, in batches larger than one multi-row statement."""

from __future__ import annotations

import marshal
import sqlite3
import uuid
from pathlib import Path

import pytest

from hub.connectors.outbox import Acknowledged, Outbox, PendingEvent
from hub.errors import SerializationError


def _events(n: int, start: int = 0) -> list[PendingEvent]:
    return [
        PendingEvent(f"ev-{i}", "src.police", None if i % 7 else b"k", f"v{i}".encode(),
                     [("ce_id", f"ev-{i}".encode()), ("bin", bytes([i % 256, 255]))])
        for i in range(start, start + n)
    ]  # fmt: skip


def test_large_batches_store_find_and_acknowledge_every_event(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    events = _events(2500)
    outbox.enqueue(events, "digest", "file.csv", 2500)
    assert outbox.pending_count() == 2500
    assert outbox.pending(10**6) == events  # same order, keys, values and headers back
    ids = [e.event_id for e in events] + ["ev-9999"]
    assert outbox.known(ids) == set(ids) - {"ev-9999"}

    acks = [Acknowledged(e.event_id, e.topic, 0, n) for n, e in enumerate(events[:2100])]
    more = _events(1200, start=2500)
    outbox.enqueue(more, "digest", "file.csv", 3700, acks)  # acks ride with the next batch
    assert outbox.pending_count() == 400 + 1200
    assert [e.event_id for e in outbox.pending(3)] == ["ev-2100", "ev-2101", "ev-2102"]
    assert outbox.published_count() == 2100
    assert outbox.high_watermarks() == {("src.police", 0): 2099}
    assert outbox.known(ids) == set(ids) - {"ev-9999"}  # published or waiting: both known
    assert outbox.position("digest") == (3700, False)

    outbox.enqueue(_events(10, start=2200), "digest", "file.csv", 3710)  # waiting: ignored
    assert outbox.pending_count() == 1600
    outbox.close()


def test_headers_come_back_as_stored_and_older_json_headers_still_load(tmp_path: Path) -> None:
    from hub.connectors.outbox import _load_headers

    headers = [("ce_id", b"e-1"), ("bin", bytes(range(256))), ("empty", b"")]
    outbox = Outbox(tmp_path / "outbox.sqlite")
    outbox.enqueue([PendingEvent("e-1", "t", b"k", b"v", headers)], "d", "f", 1)
    assert outbox.pending(10)[0].headers == headers
    assert _load_headers('[["ce_id","e-1"],["x","\\u00ff"]]') == [("ce_id", b"e-1"), ("x", b"\xff")]


def _stored_batches(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM outbox_batch").fetchone()[0])


def test_a_batch_is_deleted_once_kafka_has_all_of_it_and_survives_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    outbox = Outbox(path)
    first, second = _events(5), _events(5, start=5)
    outbox.enqueue(first, "d", "f", 5)
    outbox.enqueue(second, "d", "f", 10)
    acks = [Acknowledged(e.event_id, e.topic, 0, n) for n, e in enumerate(first + second[:2])]
    outbox.acknowledge(acks + acks[:1])  # a repeated acknowledgement changes nothing
    assert _stored_batches(path) == 1  # the first batch is gone, the second still waits
    assert outbox.pending(100) == second[2:]
    outbox.close()

    reopened = Outbox(path)  # what still waits is rebuilt from the file
    assert reopened.pending_count() == 3
    assert reopened.pending(2) == second[2:4]
    assert reopened.known(["ev-0", "ev-6", "ev-9", "ev-10"]) == {"ev-0", "ev-6", "ev-9"}
    reopened.acknowledge(
        [Acknowledged(e.event_id, e.topic, 0, 10 + n) for n, e in enumerate(second[2:])]
    )
    assert reopened.pending_count() == 0
    assert _stored_batches(path) == 0
    reopened.close()


def test_an_outbox_written_one_row_per_event_is_moved_into_a_batch_in_order(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    with sqlite3.connect(path) as db:  # the layout connectors wrote before batches
        db.execute(
            "CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL "
            "UNIQUE, topic TEXT NOT NULL, key BLOB, value BLOB NOT NULL, headers BLOB NOT NULL)"
        )
        db.execute(
            "INSERT INTO outbox (event_id, topic, key, value, headers) VALUES (?, ?, ?, ?, ?)",
            ("old-json", "src.police", b"k", b"v1", '[["ce_id","old-json"]]'),
        )
        db.execute(
            "INSERT INTO outbox (event_id, topic, key, value, headers) VALUES (?, ?, ?, ?, ?)",
            ("old-marshal", "src.police", None, b"v2", marshal.dumps([("ce_id", b"old-marshal")])),
        )
    outbox = Outbox(path)
    assert outbox.pending(10) == [
        PendingEvent("old-json", "src.police", b"k", b"v1", [("ce_id", b"old-json")]),
        PendingEvent("old-marshal", "src.police", None, b"v2", [("ce_id", b"old-marshal")]),
    ]
    outbox.close()
    with sqlite3.connect(path) as db:
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'outbox'").fetchone()


def test_an_unreadable_stored_batch_is_a_clear_error_and_stays_stored(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    Outbox(path).enqueue(_events(3), "d", "f", 3)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE outbox_batch SET events = ?", (b"not a batch",))
    with pytest.raises(SerializationError, match=r"outbox\.sqlite: stored batch 1 cannot be read"):
        Outbox(path)
    assert _stored_batches(path) == 1


def _uuid_events(n: int, start: int = 0) -> list[PendingEvent]:
    return [
        PendingEvent(str(uuid.UUID(int=i * 7919 + 1)), "src.ed", b"k", b"v", [])
        for i in range(start, start + n)
    ]


def test_uuid_ids_are_kept_as_16_bytes_and_never_meet_a_text_id(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    outbox = Outbox(path)
    uuids, texts = _uuid_events(1500), _events(20)
    # A text id that spells a UUID in another form (upper case) is a different event.
    upper = PendingEvent(uuids[2].event_id.upper(), "src.ed", b"k", b"v", [])
    assert upper.event_id != uuids[2].event_id
    mixed = [*uuids[:5], *texts[:5], upper]  # one batch of both kinds, converted id by id
    outbox.enqueue(uuids + texts, "d", "f", 1520)
    acks = [Acknowledged(e.event_id, e.topic, 0, n) for n, e in enumerate(uuids + texts)]
    outbox.acknowledge(acks)
    outbox.close()

    reopened = Outbox(path)
    assert reopened.published_count() == 1520
    assert reopened.known(e.event_id for e in mixed) == {e.event_id for e in mixed} - {
        upper.event_id
    }
    assert reopened.known([e.event_id for e in uuids]) == {e.event_id for e in uuids}
    assert reopened.known(["ev-9999", str(uuid.UUID(int=5))]) == set()
    reopened.close()
    with sqlite3.connect(path) as db:
        kinds = dict(db.execute("SELECT typeof(key), count(*) FROM published_key GROUP BY 1"))
        assert kinds == {"blob": 1500, "text": 20}
        assert {
            len(r[0])
            for r in db.execute("SELECT key FROM published_key WHERE typeof(key) = 'blob'")
        } == {16}


def test_watermarks_are_the_highest_offset_per_partition_whatever_the_order(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    events = _events(6)
    outbox.enqueue(events, "d", "f", 6)
    outbox.acknowledge(
        [
            Acknowledged("ev-0", "src.police", 0, 41),
            Acknowledged("ev-1", "src.police", 1, 7),
            Acknowledged("ev-2", "src.police", 0, 40),
            Acknowledged("ev-3", "src.ed", 0, 3),
        ]
    )
    outbox.acknowledge([Acknowledged("ev-4", "src.police", 0, 12)])  # lower: no change
    outbox.acknowledge([Acknowledged("ev-5", "src.police", 1, 8)])
    assert outbox.high_watermarks() == {
        ("src.police", 0): 41,
        ("src.police", 1): 8,
        ("src.ed", 0): 3,
    }
    outbox.close()


def test_an_outbox_with_published_rows_of_text_ids_is_moved_to_keys_and_watermarks(
    tmp_path: Path,
) -> None:
    path = tmp_path / "outbox.sqlite"
    known = [str(uuid.UUID(int=i + 1)) for i in range(3)] + ["ev-old"]
    with sqlite3.connect(path) as db:  # the layout connectors wrote before published_key
        db.execute(
            "CREATE TABLE published (event_id TEXT PRIMARY KEY, topic TEXT NOT NULL, "
            "partition INTEGER NOT NULL, offset INTEGER NOT NULL) WITHOUT ROWID"
        )
        db.executemany(
            "INSERT INTO published VALUES (?, ?, ?, ?)",
            [(i, "src.police", 0, n) for n, i in enumerate(known)] + [("x", "src.ed", 2, 9)],
        )
    outbox = Outbox(path)
    assert outbox.known([*known, "x", "ev-new"]) == {*known, "x"}
    assert outbox.published_count() == 5
    assert outbox.high_watermarks() == {("src.police", 0): 3, ("src.ed", 2): 9}
    # A waiting event that the old table says was published is not waiting any more.
    outbox.close()
    with sqlite3.connect(path) as db:
        assert not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'published'").fetchone()
