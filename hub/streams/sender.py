"""Send a batch's records as whole Kafka record batches, one per topic partition.

Faust's per-record send (a future, callbacks and sensors per record, then aiokafka's
per-record accumulator append) cost more than the work that produced the record. Here the
records of one batch are appended to aiokafka ``BatchBuilder``s per partition and each builder
is submitted once. The producer is Faust's own (idempotent, ``acks=all``, hub.streams.transport),
so Faust still flushes these batches before it commits any offset.

Keyed records go where the producer's default partitioner would put them (murmur2 of the key,
as Kafka's Java client does), so consumers and Faust tables see the usual placement.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any

from aiokafka.partitioner import murmur2


@functools.lru_cache(maxsize=1 << 16)
def key_partition(key: bytes, partitions: int) -> int:
    """Remembered: aiokafka's murmur2 is pure Python (about 2.5 us a key), and one person id
    is partitioned several times per event (its LinkedEvent, its timeline and memory reads
    and writes, its flags and alerts)."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


Placed = tuple[str, int, int, "asyncio.Future[Any]"]  # topic, partition, records, send future


class BatchSender:
    def __init__(self, app: Any) -> None:
        self.app = app
        self._partitions: dict[str, int] = {}
        self._records: dict[tuple[str, int], list[tuple[bytes | None, bytes | None, Any]]] = {}

    def _producer(self) -> Any:
        return self.app.producer._ensure_producer()

    async def partitions(self, topic: str) -> int:
        count = self._partitions.get(topic)
        if count is None:
            count = len(await self._producer().partitions_for(topic))
            self._partitions[topic] = count
        return count

    def add(
        self,
        topic: str,
        partition: int,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        self._records.setdefault((topic, partition), []).append((key, value, headers or []))

    async def add_keyed(
        self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
    ) -> None:
        self.add(topic, key_partition(key, await self.partitions(topic)), key, value, headers)

    def clear(self) -> None:
        self._records = {}

    def __len__(self) -> int:
        return sum(len(r) for r in self._records.values())

    async def send(
        self,
        on_sent: Callable[[str, int, int], None] | None = None,
        placed: list[Placed] | None = None,
    ) -> list[asyncio.Future[Any]]:
        """Submit everything added; futures resolve when Kafka acknowledges each batch.

        ``on_sent(topic, partition, last_offset)`` is called as each batch is acknowledged.
        ``placed`` gets each Kafka batch as it is submitted, in order: its topic, partition,
        record count and future (whose result's ``offset`` is its first record's).
        """
        producer = self._producer()
        futures: list[asyncio.Future[Any]] = []
        records, self._records = self._records, {}
        for (topic, partition), items in records.items():
            builder = producer.create_batch()
            count = 0
            for key, value, headers in items:
                if builder.append(key=key, value=value, timestamp=None, headers=headers) is None:
                    future = await self._submit(producer, builder, topic, partition, count, on_sent)
                    futures.append(future)
                    if placed is not None:
                        placed.append((topic, partition, count, future))
                    builder, count = producer.create_batch(), 0
                    if (
                        builder.append(key=key, value=value, timestamp=None, headers=headers)
                        is None
                    ):
                        raise ValueError(f"a record for {topic} exceeds the producer's batch size")
                count += 1
            if count:
                future = await self._submit(producer, builder, topic, partition, count, on_sent)
                futures.append(future)
                if placed is not None:
                    placed.append((topic, partition, count, future))
        return futures

    @staticmethod
    async def _submit(
        producer: Any,
        builder: Any,
        topic: str,
        partition: int,
        count: int,
        on_sent: Callable[[str, int, int], None] | None,
    ) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = await producer.send_batch(builder, topic, partition=partition)
        if on_sent is not None:

            def done(fut: asyncio.Future[Any]) -> None:
                if not fut.cancelled() and fut.exception() is None:
                    on_sent(topic, partition, fut.result().offset + count - 1)

            future.add_done_callback(done)
        return future
