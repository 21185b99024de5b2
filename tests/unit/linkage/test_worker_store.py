"""The worker's tables open RocksDB with the configured, shared, bounded options, also when
the database already exists (rocksdict would otherwise load it with an 8 MB cache)."""

from __future__ import annotations

from pathlib import Path

from hub.config import HubSettings, RocksDBSettings
from hub.linkage.linker import Linker
from hub.linkage.store import SerializedStore
from hub.streams.app import create_app
from hub.streams.rocks import RocksDBResources, Store
from tests.unit.linkage.test_store import EVENTS, decisions

MB = 1024 * 1024


def _capacity(db: object) -> int:
    return int(db.property_value("rocksdb.block-cache-capacity"))  # type: ignore[attr-defined]


def test_options_hold_on_reopen(tmp_path: Path) -> None:
    resources = RocksDBResources(RocksDBSettings(block_cache_mb=48, memtable_mb=8))
    db = resources.open(tmp_path / "db")
    db.put(b"k", b"v")
    assert _capacity(db) == 48 * MB
    db.close()
    again = resources.open(tmp_path / "db")
    try:
        assert _capacity(again) == 48 * MB  # not rocksdict's 8 MB default on reopen
        assert again.get(b"k") == b"v"
    finally:
        again.close()


def test_tables_share_one_bounded_cache(tmp_path: Path) -> None:
    settings = HubSettings(
        state_dir=tmp_path, worker={"rocksdb": {"block_cache_mb": 40, "memtable_mb": 8}}
    )
    app = create_app(settings, "hub-test")
    linkage = app.Table("hub-linkage-state", partitions=1)
    timelines = app.Table("hub-timelines", partitions=2)
    assert isinstance(linkage.data, Store)
    dbs = [linkage.data._db_for_partition(0), timelines.data._db_for_partition(1)]
    try:
        assert {_capacity(db) for db in dbs} == {40 * MB}
        assert app.hub_rocksdb.cache.get_usage() <= 40 * MB
        # The linker's batched reads go through the table's RocksDB as single reads would.
        assert decisions(SerializedStore(dbs[0])) == decisions({})
    finally:
        for db in dbs:
            db.close()


def test_batched_reads_match_single_reads(tmp_path: Path) -> None:
    db = RocksDBResources(RocksDBSettings(block_cache_mb=16, memtable_mb=4)).open(tmp_path / "d")
    try:
        store = SerializedStore(db)
        Linker(store).link(EVENTS[0])
        keys = [key for key in store if key[0] in "etbp"] + ["b:absent", "e:absent"]
        assert store.get_many(keys) == [store.get(key) for key in keys]
        assert store.get_many(keys)[-2:] == [None, None]
    finally:
        db.close()


class _Counting(dict[str, object]):
    """A dict store that counts batched and single reads."""

    def __init__(self) -> None:
        super().__init__()
        self.batched: list[list[str]] = []
        self.single: list[str] = []

    def get_many(self, keys: list[str]) -> list[object]:
        self.batched.append(list(keys))
        return [dict.get(self, key) for key in keys]

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.single.append(key)
        found = dict.get(self, key)
        return default if found is None else found


def test_an_event_reads_its_keys_in_batches() -> None:
    store = _Counting()
    assert decisions(store) == decisions({})  # the same decisions as single reads give
    store.batched.clear()
    store.single.clear()
    fuzzy = EVENTS[1]  # Ann with a typo: no exact token, found through her blocks
    Linker(store).link(type(fuzzy)(**{**fuzzy.__dict__, "event_id": "again"}))
    first = store.batched[0]
    assert first[0] == "e:again"
    assert {f"b:{key}" for key in fuzzy.blocking_keys} <= set(first)
    assert any(key.startswith("p:") for key in store.batched[1])  # the candidates, together
    assert not [key for key in store.single if key.startswith("b:")]
