"""Faust's aiokafka transport with an idempotent, ``acks=all`` producer and a consumer that
fetches again soon.

Stock Faust turns idempotence on only inside transactions, and we do not use transactions
(design.md, "Known pitfalls"). Stock Faust also fixes the consumer's ``fetch_max_wait_ms`` at
1,500 ms: aiokafka sends one fetch per broker at a time, so data arriving for a partition
left out of an in-flight fetch (it still had buffered records when the fetch was sent) waits
for that fetch to come back, up to 1.5 s, and the worker's p99 latency with it. 50 ms bounds
that wait at the cost of more empty fetches when idle. Registered as the ``hubkafka://``
scheme through the ``faust.transports`` entry point in pyproject.toml.

The consumer also seeks to the committed offsets with its flow stopped (``perform_seek``).
When a rebalance's table recovery ends, Faust resumes the stream partitions with the flow
already running (it ran for the changelogs) and then seeks: records fetched meanwhile were
delivered and processed, and the seek's end set each partition's read offset back to the
committed one. The next record then looked like a jump over missing offsets, which Faust
counts as acknowledged (compacted topics leave such gaps): every record delivered during the
seek was counted twice, and with duplicates in its list of acknowledged offsets Faust's
commit moved on by one offset a commit. After the SIGKILL rebalance test's second rebalance
(tests/integration/streams/test_rebalance.py) a partition's offsets took up to five minutes to
be committed, and 5 of 12 runs took 87-111 s instead of 37-62 s (docs/streams.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from faust.transport.drivers import aiokafka as faust_aiokafka

FETCH_MAX_WAIT_MS = 50


class Producer(faust_aiokafka.Producer):
    """Every write is acknowledged by all in-sync replicas, and retries cannot duplicate it."""

    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}


class ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts
        return consumer


async def seek_with_flow_stopped(
    consumer: Any, lock: asyncio.Lock, seek: Callable[[], Awaitable[None]]
) -> None:
    """Run ``seek`` with the consumer's flow stopped, one seek at a time: nothing fetched is
    delivered while the positions and read offsets change, and what was fetched before is
    dropped by Faust's fetch loop and fetched again from the committed offsets. A seek Faust
    asks for itself while the flow is stopped (records fetched meanwhile) waits its turn."""
    async with lock:
        running = consumer.flow_active
        if running:
            consumer.stop_flow()
        try:
            await seek()
        finally:
            if running:
                consumer.resume_flow()


class Consumer(faust_aiokafka.Consumer):
    _seek_lock: asyncio.Lock | None = None

    def _new_consumer_thread(self) -> Any:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def perform_seek(self) -> None:
        if self._seek_lock is None:
            self._seek_lock = asyncio.Lock()
        await seek_with_flow_stopped(self, self._seek_lock, super().perform_seek)


class Transport(faust_aiokafka.Transport):
    Producer: ClassVar[Any] = Producer
    Consumer: ClassVar[Any] = Consumer
