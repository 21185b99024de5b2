"""Faust's aiokafka transport with an idempotent, ``acks=all`` producer and a consumer that
fetches again soon.

Stock Faust turns idempotence on only inside transactions, and we do not use transactions
(design.md, "Known pitfalls"). Stock Faust also fixes the consumer's ``fetch_max_wait_ms`` at
1,500 ms: aiokafka sends one fetch per broker at a time, so data arriving for a partition
left out of an in-flight fetch (it still had buffered records when the fetch was sent) waits
for that fetch to come back, up to 1.5 s, and the worker's p99 latency with it. 50 ms bounds
that wait at the cost of more empty fetches when idle. Registered as the ``hubkafka://``
scheme through the ``faust.transports`` entry point in pyproject.toml.

The consumer also hands fetched records to the agents' channels more cheaply. Faust's
``Consumer._drain_messages`` awaits ``wait_first(callback(message), suspend_flow.wait())``
for every record: four tasks, an ``asyncio.wait`` and several trips round the event loop per
record, about a fifth of the worker's CPU. Here a record whose channels are all raw-bytes
topics with room in their queues, while flow control is active and the producer buffer is
not full, is put into the queues at once, exactly as the conductor would put it (the same
``Event``, the same queue pressure callbacks); anything else takes Faust's own path. Offsets,
gaps, ``commit_every`` and the read offset are kept as Faust keeps them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP

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

    def _pressure_callbacks(self, tp: TP) -> tuple[Callable[[], None], Callable[[], None]]:
        """The conductor's queue-pressure callbacks for ``tp``, one pair per partition (the
        queue keeps them in a set, so they must be the same objects every time)."""
        found = self._hub_pressure.get(tp)
        if found is None:
            tp = TP(tp.topic, tp.partition)  # the fetcher's may be aiokafka's TopicPartition
            sensors = self.app.sensors

            def high() -> None:
                sensors.on_topic_buffer_full(tp)
                self.on_buffer_full(tp)

            def drop() -> None:
                self.on_buffer_drop(tp)

            found = self._hub_pressure[tp] = (high, drop)
        return found

    def _deliver_now(self, tp: TP, message: Any) -> bool:
        """Put ``message`` into its channels' queues if that cannot block; else False."""
        app = self.app
        conductor: Any = app.topics
        if (
            not app.flow_control.is_active()
            or self.suspend_flow.is_set()
            or conductor._tp_to_callback_lock.locked()
        ):
            return False
        buffer = app.producer.buffer
        if buffer.size > buffer.max_messages:
            return False
        channels = conductor._tp_index.get(tp)
        if not channels:
            return False
        for chan in channels:
            if (
                getattr(chan, "key_serializer", None) != "raw"
                or getattr(chan, "value_serializer", None) != "raw"
                or chan.queue.full()
            ):
                return False
        high, drop = self._pressure_callbacks(tp)
        message.incref(len(channels))
        # A raw topic's decode is the message's own bytes (faust.serializers.codecs.raw).
        event = app.create_event(message.key, message.value, message.headers, message)
        for chan in channels:
            chan.queue.put_nowait_enhanced(event, on_pressure_high=high, on_pressure_drop=drop)
        return True

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover - the worker's
        """faust.transport.consumer.Consumer._drain_messages, with ``_deliver_now`` first."""
        self._hub_pressure: dict[TP, tuple[Callable[[], None], Callable[[], None]]] = {}
        callback = self.callback
        getmany = self.getmany
        consumer_should_stop = self._stopped.is_set
        fetcher_should_stop = fetcher._stopped.is_set
        get_read_offset = self._read_offset.__getitem__
        set_read_offset = self._read_offset.__setitem__
        set_flag = self.diag.set_flag
        unset_flag = self.diag.unset_flag
        commit_every = self._commit_every
        acks_enabled_for = self.app.topics.acks_enabled_for
        deliver_now = self._deliver_now
        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                set_flag(CONSUMER_FETCHING)
                ait = getmany(timeout=1.0)
                await self.sleep(0)
                if not self.should_stop:
                    since_yield = 0
                    async for tp, message in ait:
                        offset = message.offset
                        r_offset = get_read_offset(tp)
                        if r_offset is None or offset >= r_offset:
                            gap = offset - (r_offset or 0)
                            if gap > 1 and r_offset and acks_enabled_for(message.topic):
                                await self._add_gap(tp, r_offset + 1, offset)
                            if commit_every is not None and self._n_acked >= commit_every:
                                self._n_acked = 0
                                await self.commit()
                            if deliver_now(tp, message):
                                since_yield += 1
                                if since_yield >= 500:  # let the agents and heartbeats run
                                    since_yield = 0
                                    await self.sleep(0)
                            else:
                                await self.wait_first(callback(message), self.suspend_flow.wait())
                            set_read_offset(tp, offset)
                    unset_flag(CONSUMER_FETCHING)
        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                self.log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                self.log.info("Consumer shutting down for user cancel.")
                return
            raise
        except Exception as exc:
            self.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            unset_flag(CONSUMER_FETCHING)


class Transport(faust_aiokafka.Transport):
    Producer: ClassVar[Any] = Producer
    Consumer: ClassVar[Any] = Consumer
