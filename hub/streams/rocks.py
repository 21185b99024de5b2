"""The worker's RocksDB table store: Faust's, with bounded memory and options that last.

Faust's RocksDB store (faust/stores/rocksdb.py) opens each table partition with its own 2 GB
block cache and up to three 64 MB memtables: a worker holding the linkage state and 18
person-table partitions could grow far past a gigabyte. And rocksdict, which Faust uses,
applies the passed options only to a new database: reopening an existing one (every worker
restart) loads the column family's options from the database's OPTIONS file with an 8 MB
block cache, so the tuned options never apply after the first start.

This store opens every partition with the ``default`` column family's options given
explicitly, one block cache shared by every table of the worker (memtables are charged to it
through one write-buffer manager, so ``block_cache_mb`` bounds both), whole-key bloom filters
of ``bloom_bits_per_key`` (most linkage reads are misses: unseen events, unmerged ids) and a
hash index inside data blocks for point lookups. Faust picks it by the ``hubrocksdb://``
store URL (``create_app``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faust.stores import rocksdb as faust_rocksdb
from rocksdict import (
    AccessType,
    BlockBasedIndexType,
    BlockBasedOptions,
    Cache,
    DataBlockIndexType,
    Options,
    Rdict,
    WriteBufferManager,
)

from hub.config import RocksDBSettings

SCHEME = "hubrocksdb"
_MB = 1024 * 1024


class RocksDBResources:
    """What every table of one worker shares: the block cache and the memtable budget."""

    def __init__(self, settings: RocksDBSettings) -> None:
        self.settings = settings
        self.cache = Cache(settings.block_cache_mb * _MB)
        self.write_buffers = WriteBufferManager.new_write_buffer_manager_with_cache(
            settings.memtable_mb * _MB, False, self.cache
        )

    def options(self) -> Options:
        """Options for one table partition (raw bytes, as Faust stores them)."""
        settings = self.settings
        options = Options(raw_mode=True)
        options.create_if_missing(True)
        options.set_max_open_files(settings.max_open_files)
        # Each memtable flushes at 16 MB at most; the manager flushes earlier when all the
        # worker's memtables together reach memtable_mb.
        options.set_write_buffer_size(min(16, settings.memtable_mb) * _MB)
        options.set_max_write_buffer_number(2)
        options.set_write_buffer_manager(self.write_buffers)
        table = BlockBasedOptions()
        table.set_block_cache(self.cache)
        table.set_bloom_filter(settings.bloom_bits_per_key, False)
        table.set_index_type(BlockBasedIndexType.binary_search())
        table.set_data_block_index_type(DataBlockIndexType.binary_and_hash())
        # Index and filter blocks live in the shared cache too (bounded), the first level's
        # pinned there so a lookup never waits for them.
        table.set_cache_index_and_filter_blocks(True)
        table.set_pin_l0_filter_and_index_blocks_in_cache(True)
        options.set_block_based_table_factory(table)
        return options

    def open(self, path: Path, *, read_only: bool = False, ttl: int | None = None) -> Rdict:
        """Open (or create) one partition's database with these options, also on reopen."""
        options = self.options()
        access = AccessType.read_only() if read_only else AccessType.read_write()
        if ttl is not None:  # a table's ``options={"ttl": ...}``, as Faust honours it
            access = AccessType.with_ttl(ttl)
        return Rdict(
            str(path), options=options, column_families={"default": options}, access_type=access
        )


class _Options(faust_rocksdb.RocksDBOptions):
    def __init__(self, resources: RocksDBResources, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.resources = resources

    def open(self, path: Path, *, read_only: bool = False) -> Rdict:
        return self.resources.open(path, read_only=read_only, ttl=self.ttl)


class Store(faust_rocksdb.Store):
    """Faust's RocksDB store with the worker's shared, bounded options (module doc)."""

    def __init__(self, url: Any, app: Any, table: Any, **kwargs: Any) -> None:
        super().__init__(url, app, table, **kwargs)
        resources = getattr(app, "hub_rocksdb", None)
        if resources is None:  # an app not made by create_app: the defaults, still bounded
            resources = app.hub_rocksdb = RocksDBResources(RocksDBSettings())
        self.rocksdb_options = _Options(resources, use_rocksdict=True, **(self.options or {}))


def register() -> str:
    """Make the store known to Faust under its URL scheme; the store URL to use."""
    from faust import stores

    stores.STORES.aliases.setdefault(SCHEME, f"{__name__}:Store")
    return f"{SCHEME}://"
