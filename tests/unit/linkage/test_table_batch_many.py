"""The worker's table view answers the linker's batched reads as its single reads would."""

from __future__ import annotations

from hub.streams.sender import key_partition
from hub.streams.state import TableBatch
from tests.unit.streams.fakes import Sender, Table


def _partition(key: str) -> int:
    return key_partition(key.encode(), 6)


def test_get_many_reads_what_get_reads_once_per_key() -> None:
    table = Table()
    view = TableBatch(table, _partition)
    view["a"] = {"x": 1}
    view.flush(Sender())
    fresh = TableBatch(table, _partition)
    table.data.log.clear()
    assert fresh.get_many(["a", "b", "a"]) == [{"x": 1}, None, {"x": 1}]
    assert fresh.get_many(["a", "b"]) == [{"x": 1}, None]  # cached: no second read
    assert sorted(table.data.log) == ['get "a"', 'get "b"']
