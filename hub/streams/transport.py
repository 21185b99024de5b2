"""Faust's aiokafka transport with an idempotent, ``acks=all`` producer and a consumer that
fetches again soon.

Stock Faust turns idempotence on only inside transactions, and we do not use transactions
(design.md, "Known pitfalls"). Stock Faust also fixes the consumer's ``fetch_max_wait_ms`` at
1,500 ms: aiokafka sends one fetch per broker at a time, so data arriving for a partition
left out of an in-flight fetch (it still had buffered records when the fetch was sent) waits
for that fetch to come back, up to 1.5 s, and the worker's p99 latency with it. 50 ms bounds
that wait at the cost of more empty fetches when idle. Registered as the ``hubkafka://``
scheme through the ``faust.transports`` entry point in pyproject.toml.

The consumer's drain loop (Faust's ``Consumer._drain_messages``, 0.15.3) also lets the app
take a fetched record before Faust delivers it (``app.hub_take_early``, set by
hub.streams.handover for the Kafka copies of handed-over LinkedEvents): Faust hands every
record to the conductor through ``wait_first(callback(message), suspend_flow.wait())``, two
tasks and an ``asyncio.wait`` per record, which for a copy that is only acknowledged cost
more than the acknowledgement itself (docs/streams.md, "Worker machinery, session 6").
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, cast

from faust.transport.consumer import CONSUMER_FETCHING
from faust.transport.drivers import aiokafka as faust_aiokafka
from mode import Service

FETCH_MAX_WAIT_MS = 50

#: ``app.hub_take_early(message) -> bool``: True when it took the record (tracked and
#: acknowledged it), so Faust must not deliver it.
TakeEarly = Callable[[Any], bool]


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

    async def _drain_messages(self, fetcher: Any) -> None:  # pragma: no cover
        """Faust 0.15.3's drain loop, unchanged but for ``take_early`` before delivery.

        A record taken early still counts for the gap check and the read offset exactly as
        a delivered one (its offset is read, it is acknowledged by the taker), so the
        offsets Faust commits are computed as before."""
        callback = self.callback
        getmany = self.getmany
        consumer_should_stop = cast(Service, self)._stopped.is_set
        fetcher_should_stop = cast(Service, fetcher)._stopped.is_set

        get_read_offset = self._read_offset.__getitem__
        set_read_offset = self._read_offset.__setitem__
        flag_consumer_fetching = CONSUMER_FETCHING
        set_flag = self.diag.set_flag
        unset_flag = self.diag.unset_flag
        commit_every = self._commit_every
        acks_enabled_for = self.app.topics.acks_enabled_for
        take_early: TakeEarly | None = getattr(self.app, "hub_take_early", None)

        yield_every = 100
        num_since_yield = 0
        sleep = asyncio.sleep

        try:
            while not (consumer_should_stop() or fetcher_should_stop()):
                set_flag(flag_consumer_fetching)
                ait = getmany(timeout=1.0)

                # Sleeping because sometimes getmany is called in a loop
                # never releasing to the event loop
                await self.sleep(0)
                if not self.should_stop:
                    async for tp, message in ait:
                        num_since_yield += 1
                        if num_since_yield > yield_every:
                            await sleep(0)
                            num_since_yield = 0

                        offset = message.offset
                        r_offset = get_read_offset(tp)
                        if r_offset is None or offset >= r_offset:
                            gap = offset - (r_offset or 0)
                            # We have a gap in income messages
                            if gap > 1 and r_offset:
                                acks_enabled = acks_enabled_for(message.topic)
                                if acks_enabled:
                                    await self._add_gap(tp, r_offset + 1, offset)
                            if commit_every is not None:  # noqa: SIM102  (Faust's lines, kept verbatim)
                                if self._n_acked >= commit_every:
                                    self._n_acked = 0
                                    await self.commit()
                            if take_early is None or not take_early(message):
                                await self.wait_first(callback(message), self.suspend_flow.wait())
                            set_read_offset(tp, offset)
                        else:
                            self.log.dev(
                                "DROPPED MESSAGE ROFF %r: k=%r v=%r",
                                offset,
                                message.key,
                                message.value,
                            )
                    unset_flag(flag_consumer_fetching)

        except self.consumer_stopped_errors:
            if self.transport.app.should_stop:
                # we're already stopping so ignore
                self.log.info("Broker stopped consumer, shutting down...")
                return
            raise
        except asyncio.CancelledError:
            if self.transport.app.should_stop:
                # we're already stopping so ignore
                self.log.info("Consumer shutting down for user cancel.")
                return
            raise
        except Exception as exc:
            self.log.exception("Drain messages raised: %r", exc)
            raise
        finally:
            unset_flag(flag_consumer_fetching)


class Transport(faust_aiokafka.Transport):
    Producer: ClassVar[Any] = Producer
    Consumer: ClassVar[Any] = Consumer
