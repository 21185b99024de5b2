"""Where linkage state lives: any string-keyed store of JSON values (a dict, a Faust table).

Key spaces: ``t:<type>:<token>`` token -> person; ``b:<key>`` blocking key -> persons;
``p:<id>`` person -> representative encodings and strong tokens; ``r:<id>`` merged ->
surviving person; ``e:<event>`` the decision already taken for an event (idempotency).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, MutableMapping, Sequence
from typing import Any, Protocol


class LinkageStore(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def __setitem__(self, key: str, value: Any) -> None: ...


def get_many(store: LinkageStore, keys: Sequence[str]) -> list[Any]:
    """The values of ``keys`` (None where absent): one batched read when the store has
    ``get_many`` (a RocksDB MultiGet), otherwise one read per key."""
    batched = getattr(store, "get_many", None)
    if batched is not None:
        return list(batched(keys))
    return [store.get(key) for key in keys]


def memory_store() -> MutableMapping[str, Any]:
    return {}


# json.loads and json.dumps without their per-call checks (a third of a short value's time).
_loads = json.JSONDecoder().decode
_dumps = json.JSONEncoder(separators=(",", ":")).encode


class SerializedStore(MutableMapping[str, Any]):
    """JSON values over a bytes mapping (a dict, or a RocksDB ``Rdict`` in raw mode, as Faust
    opens it): what a changelog-backed table holds. Nothing but bytes stays in memory per key,
    so a large index costs its serialised size, not Python objects, and no garbage collector
    walks it."""

    def __init__(self, raw: MutableMapping[bytes, bytes] | None = None) -> None:
        self.raw: MutableMapping[bytes, bytes] = {} if raw is None else raw
        from rocksdict import Rdict

        self._multi_get = isinstance(raw, Rdict)  # Rdict.get of a list is a MultiGet

    def get_many(self, keys: Sequence[str]) -> list[Any]:
        encoded = [key.encode() for key in keys]
        if not self._multi_get:
            return [self.get(key) for key in keys]
        found = self.raw.get(encoded)  # type: ignore[call-overload]
        return [None if value is None else _loads(value.decode()) for value in found]

    def __getitem__(self, key: str) -> Any:
        return _loads(self.raw[key.encode()].decode())

    def get(self, key: str, default: Any = None) -> Any:
        value = self.raw.get(key.encode())
        return default if value is None else _loads(value.decode())

    def __setitem__(self, key: str, value: Any) -> None:
        self.raw[key.encode()] = _dumps(value).encode()

    def __delitem__(self, key: str) -> None:
        del self.raw[key.encode()]

    def __iter__(self) -> Iterator[str]:
        return (key.decode() for key in self.raw.keys())  # noqa: SIM118  # a raw-mode Rdict iterates only .keys()

    def __len__(self) -> int:
        return len(self.raw)


def resolve(store: LinkageStore, person_id: str) -> str:
    """Follow merge redirects to the surviving person id."""
    seen = set()
    while (target := store.get(f"r:{person_id}")) is not None:
        if person_id in seen:  # a cycle would be a bug; stop rather than loop forever
            break
        seen.add(person_id)
        person_id = target
    return person_id
