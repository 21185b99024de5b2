"""Stand-ins for the parts of a Faust table that hub.streams.state uses (unit tests only)."""

from __future__ import annotations

import json
from typing import Any


class PartitionDb(dict[bytes, bytes]):
    def __init__(self, log: list[str]) -> None:
        super().__init__()
        self.log = log

    def get(self, key: bytes, default: Any = None) -> Any:
        self.log.append(f"get {key.decode()}")
        return super().get(key, default)

    def put(self, key: bytes, value: bytes) -> None:
        self.log.append(f"put {key.decode()}")
        self[key] = value


class Store:
    """The parts of faust.stores.rocksdb.Store that TableBatch uses."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self._dbs: dict[int, PartitionDb] = {}
        self._key_index: dict[bytes, int] = {}
        self.persisted: dict[int, int] = {}

    def _db_for_partition(self, partition: int) -> PartitionDb:
        return self._dbs.setdefault(partition, PartitionDb(self.log))

    def _encode_key(self, key: str) -> bytes:
        return json.dumps(key).encode()

    def set_persisted_offset(self, tp: Any, offset: int) -> None:
        self.persisted[tp.partition] = offset


class Changelog:
    def __init__(self, name: str) -> None:
        self.name = name

    def get_topic_name(self) -> str:
        return self.name


class Table:
    def __init__(self, name: str = "hub-timelines") -> None:
        self.name = name
        self.data = Store()
        self.changelog_topic = Changelog(f"hub-worker-{name}-changelog")


class Sender:
    def __init__(self) -> None:
        self.records: list[tuple[str, int, bytes | None, bytes | None]] = []

    def add(self, topic: str, partition: int, key: bytes | None, value: bytes | None) -> None:
        self.records.append((topic, partition, key, value))
