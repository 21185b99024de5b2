"""A write-back view of a Faust table for one batch of events.

Faust writes every ``table[key] = value`` to RocksDB and sends it to the table's changelog at
once: the linker touches about ten keys per event, so per-event writes cost more than the
linkage itself. Within a batch the view keeps what was read and written in memory, and
``flush`` writes each changed key once. Nothing reaches the table until ``flush``, so a batch
that has to be re-run without a poison event (hub.streams.batch) starts again from
``reset()`` with the table untouched.

Faust finds a key's partition (for RocksDB and for the changelog) from the event being
processed, which a batch does not have; here the partition comes from the key itself
(``partition_of``: the partition its events arrive on), and reads and writes go to that
partition's RocksDB database directly.

Values are stored as MessagePack behind a marker byte (``encode_value``): encoding a timeline
costs about a quarter of ``json.dumps`` and the bytes are smaller. Values written as JSON by
an earlier worker (in RocksDB or still in a changelog) are read as JSON: the marker byte,
0xC1, is never the first byte of JSON text (it is not UTF-8) nor of a MessagePack value
(its one unused code), so either encoding is told apart by its first byte. As with JSON,
map keys must be strings (every value the stages write has string keys).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from json.encoder import encode_basestring_ascii
from typing import Any, cast

import msgpack
from faust.types import TP
from rocksdict import Rdict, WriteBatch

from hub.streams.sender import BatchSender

_MISSING = object()
PACKED = b"\xc1"
_json = json.JSONDecoder().decode
_ascii = encode_basestring_ascii


def encode_value(value: Any) -> bytes:
    """A table value's bytes: the marker, then MessagePack (lists for tuples, as JSON)."""
    packed: bytes = msgpack.packb(value)
    return PACKED + packed


def decode_value(raw: bytes) -> Any:
    """A value ``encode_value`` wrote, or one an earlier worker wrote as JSON."""
    if raw[:1] == PACKED:
        return msgpack.unpackb(memoryview(raw)[1:])
    return _json(raw.decode())


def _write(db: Any, flat: list[bytes]) -> None:
    """Put the pairs (``flat``: key, value, key, value...) into one partition's database: a
    RocksDB write batch (one write-ahead log append for the batch instead of one per key;
    about 2.6 -> 0.8 us a key measured), as Faust's own changelog recovery writes
    (faust.stores.rocksdb.Store.apply_changelog_batch). A flat list of bytes, not a list of
    tuples: bytes are no work for the garbage collector, thousands of tuples alive across
    young collections are (promoted, they bring the next full collection closer)."""
    pairs = iter(flat)
    if isinstance(db, Rdict):
        batch = WriteBatch(raw_mode=True)
        put = batch.put
        for key, value in zip(pairs, pairs, strict=True):
            put(key, value)
        db.write(batch)
    else:
        for key, value in zip(pairs, pairs, strict=True):
            db.put(key, value)


class TableBatch:
    """Reads through to the table's store once per key; writes stay here until ``flush``.

    What was read or written stays cached across batches (up to ``cache_entries`` keys), so
    a person seen again costs no RocksDB read or JSON decode. The agent is the only writer of
    its tables, so the cache cannot go stale while the worker owns the partitions; a
    partition that comes back after a rebalance may have been written by another worker
    meanwhile, so every assignment ``forget``s the cache.

    Values handed out are the cached objects: a caller that changes one must write it back
    (the linker's store protocol does). A pass that is abandoned (a poison event, see
    hub.streams.batch) may have changed cached objects, so ``reset`` after an unflushed pass
    forgets the whole cache: the table itself was never touched.

    ``flush`` does what Faust does for ``table[key] = value``, batched: the same bytes go to
    RocksDB (in the key's partition) and to the changelog topic (hub.streams.sender), and
    the table's persisted offset moves as the changelog batches are acknowledged, so a
    restart recovers from the changelog exactly as it would for Faust's own writes.
    """

    def __init__(
        self, table: Any, partition_of: Callable[[str], int], cache_entries: int = 200_000
    ) -> None:
        self.table = table
        self.partition_of = partition_of
        self.cache_entries = cache_entries
        self._cache: dict[str, Any] = {}
        self._dirty: dict[str, Any] = {}
        self._active = False
        self._checked = False

    def reset(self) -> None:
        """Start a pass; after an abandoned pass, forget everything cached."""
        if self._active:
            self._cache.clear()
            self._dirty.clear()
            self._active = False

    def forget(self) -> None:
        """Drop every cached value (not what a pass wrote and has not flushed yet).

        The cache is only right while this worker has held the key's partition all along.
        After a rebalance another worker may have written a partition this one holds again
        (Faust's recovery put its changelog into RocksDB, behind the cache): the worker
        calls this on every assignment (hub.streams.worker), so each key is read again."""
        self._cache.clear()

    def get(self, key: str, default: Any = None) -> Any:
        self._active = True
        value = self._dirty.get(key, _MISSING)
        if value is _MISSING:
            value = self._cache.get(key, _MISSING)
            if value is _MISSING:
                value = self._load(key)
                self._cache[key] = value
        return default if value is None else value

    def get_many(self, keys: Sequence[str]) -> list[Any]:
        """``get`` of each key (None where absent); the keys not in memory are read in one
        batched read per partition (a RocksDB MultiGet: the linker's reads, hub.linkage)."""
        self._active = True
        dirty, cache = self._dirty, self._cache
        # What ``get`` returns for each, without its per-key call (the linker reads about
        # twelve keys an event through here); one pass when every key is in memory.
        out: list[Any] = []
        missing: list[int] = []
        for key in keys:
            value = dirty.get(key, _MISSING)
            if value is _MISSING:
                value = cache.get(key, _MISSING)
                if value is _MISSING:
                    missing.append(len(out))
            out.append(value)
        if missing:
            self._read([keys[i] for i in missing])
            for i in missing:
                out[i] = cache[keys[i]]
        return out

    def _read(self, keys: list[str]) -> None:
        """Read keys that are in memory neither as written nor as cached into the cache, in
        one batched read per partition."""
        by_partition: dict[int, dict[str, None]] = {}
        partition_of = self.partition_of
        for key in keys:
            by_partition.setdefault(partition_of(key), {})[key] = None
        cache = self._cache
        for partition, wanted in by_partition.items():
            db = self.table.data._db_for_partition(partition)
            encoded: list[Any] = self._encode_keys(list(wanted))
            if isinstance(db, Rdict):  # a list of keys: one MultiGet
                found = cast(list[Any], db.get(encoded))
            else:
                found = [db.get(k) for k in encoded]
            for key, raw in zip(wanted, found, strict=True):
                cache[key] = None if raw is None else decode_value(raw)

    def _encode_keys(self, keys: list[str]) -> list[bytes]:
        """Each key's bytes in the table's store: what ``json.dumps(key)`` gives, as Faust
        encodes a table's string keys (checked against Faust's own once)."""
        if not self._checked and keys:
            self._encode_key(keys[0])
        return [_ascii(key).encode() for key in keys]

    def _encode_key(self, key: str) -> bytes:
        encoded: bytes = _ascii(key).encode()  # what json.dumps(key) does
        if not self._checked:  # the bytes must be exactly Faust's, or lookups would miss
            if encoded != self.table.data._encode_key(key):
                raise RuntimeError(f"table {self.table.name}: key encoding differs from Faust's")
            self._checked = True
        return encoded

    def _load(self, key: str) -> Any:
        # Straight to the partition's RocksDB, as Faust's store does for the current event's
        # partition (faust.stores.rocksdb.Store._get), without a context switch per key.
        raw = self.table.data._db_for_partition(self.partition_of(key)).get(self._encode_key(key))
        return None if raw is None else decode_value(raw)

    def scan(self) -> Iterator[tuple[str, Any]]:
        """Every key and value of the table's local partitions (after ``flush``: nothing
        waits in memory). Faust's own bookkeeping keys are not JSON and are skipped."""
        for db in list(self.table.data._dbs.values()):
            for raw_key, raw_value in db.items():
                if raw_key[:1] == b'"':
                    yield json.loads(raw_key), decode_value(raw_value)

    def __getitem__(self, key: str) -> Any:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self._active = True
        self._dirty[key] = value

    @property
    def dirty(self) -> int:
        return len(self._dirty)

    def flush(self, sender: BatchSender) -> int:
        """Write every changed key once, in its own partition; the number of writes.

        The changelog records are queued on ``sender``; the caller sends them."""
        store = self.table.data
        changelog = self.table.changelog_topic.get_topic_name()
        written = len(self._dirty)
        pack = msgpack.Packer().pack  # one packer for the batch, not one per value
        writes: dict[int, list[bytes]] = {}  # partition -> key, value, key, value...
        dirty = self._dirty
        if dirty and not self._checked:
            self._encode_key(next(iter(dirty)))
        partition_of, add = self.partition_of, sender.add
        for key, value in dirty.items():
            partition = partition_of(key)
            key_bytes = _ascii(key).encode()  # _encode_key, checked above
            value_bytes = PACKED + pack(value)
            flat = writes.get(partition)
            if flat is None:
                flat = writes[partition] = []
            flat += (key_bytes, value_bytes)
            add(changelog, partition, key_bytes, value_bytes)
        for partition, flat in writes.items():
            # What faust.stores.rocksdb.Store._set does per key, as one write per partition.
            # Faust's key -> partition index (an LRU of its own, about a tenth of a flush
            # when full) is left alone, as Faust's changelog recovery leaves it: it only
            # saves Faust's own lookups a search of the partitions, and the worker reads
            # through this view, which knows each key's partition.
            _write(store._db_for_partition(partition), flat)
        self._cache.update(self._dirty)
        self._dirty = {}
        self._active = False
        if len(self._cache) > self.cache_entries:  # drop the older half, in insertion order
            # Straight from the items' iterator: a list of every (key, value) pair first was
            # tens of thousands of tuples, alive across young collections, so promoted to the
            # oldest generation and counted toward its next full collection.
            half = len(self._cache) // 2
            self._cache = dict(itertools.islice(self._cache.items(), half, None))
        return written

    def persisted(self, topic: str, partition: int, offset: int) -> None:
        """A changelog batch was acknowledged up to ``offset``: recovery may start after it."""
        if topic == self.table.changelog_topic.get_topic_name():
            self.table.data.set_persisted_offset(TP(topic, partition), offset)
