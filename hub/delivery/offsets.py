"""Which offsets may be committed when alerts finish out of order.

Alerts are delivered concurrently, and a slow receiver must not hold back every other panel,
so they finish out of order. A partition's committable offset is its lowest offset still in
flight (everything below it has a final outcome on every channel), or one past the highest
offset read when nothing is in flight. A crash therefore re-reads only from the oldest
unfinished alert; the ledger skips what had finished after it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Generic, TypeVar

P = TypeVar("P")


class OffsetTracker(Generic[P]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[P, set[int]] = {}
        self._next: dict[P, int] = {}
        self._committed: dict[P, int] = {}
        self._generation: dict[P, int] = {}

    def add(self, partition: P, offset: int) -> int:
        """Track an offset read; returns the partition's generation, to pass to ``done``."""
        with self._lock:
            self._pending.setdefault(partition, set()).add(offset)
            self._next[partition] = max(self._next.get(partition, 0), offset + 1)
            return self._generation.get(partition, 0)

    def done(self, partition: P, offset: int, generation: int) -> None:
        """An offset finished; ignored if the partition was revoked since it was read."""
        with self._lock:
            if self._generation.get(partition, 0) == generation:
                self._pending.get(partition, set()).discard(offset)

    def committable(self) -> dict[P, int]:
        """Offsets to commit now: only partitions whose committable offset moved."""
        out: dict[P, int] = {}
        with self._lock:
            for partition, upto in self._next.items():
                pending = self._pending.get(partition)
                offset = min(pending) if pending else upto
                if offset > self._committed.get(partition, -1):
                    out[partition] = offset
        return out

    def committed(self, offsets: dict[P, int]) -> None:
        with self._lock:
            for partition, offset in offsets.items():
                self._committed[partition] = max(self._committed.get(partition, -1), offset)

    def forget(self, partitions: Iterable[P]) -> None:
        """After a rebalance took these partitions away: their new owner starts afresh."""
        with self._lock:
            for partition in partitions:
                self._pending.pop(partition, None)
                self._next.pop(partition, None)
                self._committed.pop(partition, None)
                self._generation[partition] = self._generation.get(partition, 0) + 1

    def in_flight(self) -> int:
        with self._lock:
            return sum(len(p) for p in self._pending.values())
