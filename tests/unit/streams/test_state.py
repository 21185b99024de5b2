"""The per-batch view of a Faust table: one read and one write per key, nothing half-done."""

from __future__ import annotations

import json

import msgpack

from hub.streams.sender import key_partition
from hub.streams.state import PACKED, TableBatch, decode_value, encode_value
from tests.unit.streams.fakes import Sender, Table


def _partition(key: str) -> int:
    return key_partition(key.encode(), 6)


def test_reads_once_and_writes_each_key_once_in_its_partition() -> None:
    table = Table()
    view = TableBatch(table, _partition)
    assert view.get("p-1") is None
    view["p-1"] = [1]
    view["p-1"] = [1, 2]
    view["p-2"] = [3]
    assert view.get("p-1") == [1, 2]
    sender = Sender()
    assert view.flush(sender) == 2  # type: ignore[arg-type]
    assert table.data.log == ['get "p-1"', 'put "p-1"', 'put "p-2"']
    log = "hub-worker-hub-timelines-changelog"
    assert sender.records == [  # MessagePack [1, 2] and [3] behind the marker byte
        (log, _partition("p-1"), b'"p-1"', PACKED + b"\x92\x01\x02"),
        (log, _partition("p-2"), b'"p-2"', PACKED + b"\x91\x03"),
    ]
    assert table.data._dbs[_partition("p-1")][b'"p-1"'] == PACKED + b"\x92\x01\x02"
    # the next batch reads from the cache, not RocksDB
    view.reset()
    assert view.get("p-2") == [3]
    assert view.get("p-1") == [1, 2]
    assert table.data.log == ['get "p-1"', 'put "p-1"', 'put "p-2"']


def test_an_abandoned_pass_leaves_the_table_untouched_and_forgets_the_cache() -> None:
    table = Table()
    view = TableBatch(table, _partition)
    view["p-1"] = {"n": 1}
    view.flush(Sender())  # type: ignore[arg-type]
    value = view.get("p-1")
    value["n"] = 99  # changed in place by an event that then failed: not written back
    view["p-3"] = {"n": 3}
    view.reset()  # the pass is run again without the poison event
    assert view.get("p-1") == {"n": 1}  # read again from RocksDB, not the changed object
    assert view.get("p-3") is None
    assert view.dirty == 0
    assert b'"p-3"' not in table.data._dbs.get(_partition("p-3"), {})


def test_acknowledged_changelog_batches_move_the_persisted_offset() -> None:
    table = Table()
    view = TableBatch(table, _partition)
    view.persisted("hub-worker-hub-timelines-changelog", 4, 120)
    view.persisted("some-other-changelog", 4, 999)
    assert table.data.persisted == {4: 120}


def test_the_cache_is_bounded() -> None:
    view = TableBatch(Table(), _partition, cache_entries=10)
    for n in range(25):
        view[f"p-{n}"] = n
    view.flush(Sender())  # type: ignore[arg-type]
    assert len(view._cache) <= 13
    assert view.get("p-24") == 24


def test_values_written_as_json_by_an_earlier_worker_are_still_read() -> None:
    table = Table()
    old = {"clks": ["QUJD"], "strong": {"nhs": ["x"]}, "links": [["e1", "police", "exact", 1.0]]}
    table.data._db_for_partition(_partition("p-old"))[b'"p-old"'] = json.dumps(old).encode()
    view = TableBatch(table, _partition)
    assert view.get("p-old") == old
    assert view.get_many(["p-old", "p-none"]) == [old, None]
    view["p-old"] = {**old, "links": []}
    view.flush(Sender())  # type: ignore[arg-type]
    assert list(view.scan()) == [("p-old", {**old, "links": []})]  # rewritten in the new form
    assert table.data._dbs[_partition("p-old")][b'"p-old"'][:1] == PACKED


def test_encoded_values_read_back_as_json_would() -> None:
    value = {"t": ("a", 1), "n": None, "f": 0.1, "s": "é", "l": [{"x": [1.5, True]}]}
    assert decode_value(encode_value(value)) == json.loads(json.dumps(value))
    assert decode_value(json.dumps(value).encode()) == json.loads(json.dumps(value))
    # the marker is neither JSON's first byte nor MessagePack's: 0xc1 is "never used"
    assert all(not msgpack.packb(v).startswith(PACKED) for v in (value, [], "", 0, -1, None))
