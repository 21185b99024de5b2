"""Faust's aiokafka transport with an idempotent, ``acks=all`` producer and a consumer that
fetches again soon.

Stock Faust turns idempotence on only inside transactions, and we do not use transactions
(design.md, "Known pitfalls"). Stock Faust also fixes the consumer's ``fetch_max_wait_ms`` at
1,500 ms: aiokafka sends one fetch per broker at a time, so data arriving for a partition
left out of an in-flight fetch (it still had buffered records when the fetch was sent) waits
for that fetch to come back, up to 1.5 s, and the worker's p99 latency with it. 50 ms bounds
that wait at the cost of more empty fetches when idle. Registered as the ``hubkafka://``
scheme through the ``faust.transports`` entry point in pyproject.toml.
"""

from __future__ import annotations

from collections.abc import Mapping
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


class Consumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> Any:
        return ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(faust_aiokafka.Transport):
    Producer: ClassVar[Any] = Producer
    Consumer: ClassVar[Any] = Consumer
