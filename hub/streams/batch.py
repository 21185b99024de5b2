"""Batch processing for the worker's agents, with per-event dead-lettering.

Faust's per-event path (one agent step, one ``await`` per send, one changelog write per table
key) capped the worker at a few hundred events a second. An agent here takes up to
``max_events`` events, or what arrived within ``within_s`` seconds, with Faust's
``noack_take`` (events are never acknowledged by Faust itself), and hands them to a
``BatchStep``:

1. ``step.one(event)`` does the pure work of each event (decode, link or evaluate, encode)
   against per-batch state (hub.streams.state) and queues its outputs; nothing is sent.
2. An event that raises is a poison event: the batch's state is thrown away and the pass is
   run again without it, so a half-done poison event leaves no trace and never costs the
   rest of the batch. Repeats until a pass has no new failure (usually one re-run).
3. Each poison event is sent to ``dlq.<stage>`` with its reason and coordinates, and Kafka's
   acknowledgement of every dead letter is awaited.
4. ``step.commit()`` sends the outputs and writes state (each stage decides in which order,
   see hub.streams.worker).
5. Only then are the batch's events acknowledged to Faust, which may commit their offsets
   after it has flushed the producer. Events of a batch that was interrupted (crash,
   shutdown) are never acknowledged, so they are redelivered: at-least-once.

``noack_take`` leaves every acknowledgement to us (the plain ``take`` acknowledges a batch in
a ``finally``, so a batch cut short by a shutdown would be acknowledged unprocessed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Protocol

from hub.streams.deadletter import DeadLetter, describe
from hub.streams.safe import partner_of

log = logging.getLogger(__name__)


class BatchStep(Protocol):
    def begin(self) -> None:
        """Forget everything of the previous pass: per-batch state and queued outputs."""

    def one(self, event: Any) -> None:
        """The pure work of one event; raise to dead-letter it."""

    async def commit(self) -> None:
        """Send the queued outputs and write the batch's state."""


def dead_letter(stage: str, event: Any, exc: BaseException) -> DeadLetter:
    reason, field = describe(exc)
    message = event.message
    return DeadLetter(
        stage=stage,
        reason=reason,
        source_topic=message.topic,
        source_partition=message.partition,
        source_offset=message.offset,
        field=field,
        partner=partner_of(message.headers),
    )


def run_pure(step: BatchStep, events: Sequence[Any]) -> dict[int, BaseException]:
    """Run ``step.one`` over the batch until a pass has no new failure; index -> error."""
    failed: dict[int, BaseException] = {}
    while True:
        step.begin()
        new = False
        for index, event in enumerate(events):
            if index in failed:
                continue
            try:
                step.one(event)
            except Exception as exc:
                failed[index] = exc
                new = True
        if not new:
            return failed


async def process(
    events: Sequence[Any],
    stage: str,
    dlq_topic: Any,
    step: BatchStep,
    on_dead_letter: Callable[[DeadLetter], None] = lambda _letter: None,
) -> None:
    """One batch: pure work, dead letters acknowledged, then outputs and state."""
    failed = run_pure(step, events)
    pending = []
    letters = []
    for index, exc in sorted(failed.items()):
        event = events[index]
        letter = dead_letter(stage, event, exc)
        message = event.message
        log.warning(
            "dead-lettering %s[%s]@%s at stage %s: %s",
            message.topic,
            message.partition,
            message.offset,
            stage,
            letter.reason,
        )
        pending.append(
            await dlq_topic.send(key=message.key, value=message.value, headers=letter.headers())
        )
        letters.append(letter)
    if pending:
        await asyncio.gather(*pending)  # durable before any offset of the batch is committed
    for letter in letters:
        on_dead_letter(letter)
    await step.commit()


def backlog(consumer: Any, events: Sequence[Any]) -> int:
    """Records already in Kafka behind the batch's last event of each topic partition: the
    consumer's highwater (from its last fetch response) minus the next offset."""
    highwater = getattr(consumer, "highwater", None)
    if highwater is None:
        return 0
    latest: dict[Any, int] = {}
    for event in events:
        message = event.message
        latest[message.tp] = message.offset
    behind = 0
    for tp, offset in latest.items():
        end = highwater(tp)
        if end is not None:
            behind += max(0, end - offset - 1)
    return behind


async def batches(
    stream: Any, max_events: int, linger_s: float, backlog_linger_s: float = 0.0
) -> AsyncIterator[list[Any]]:
    """The agent's events in batches: wait for one, take whatever else is queued (up to
    ``max_events``), lingering up to ``linger_s`` for more, or up to ``backlog_linger_s``
    (from the first event) when Kafka already holds enough records behind the batch to fill
    it (``backlog``).

    Reads the agent's channel queue directly instead of iterating the Faust stream, whose
    per-event machinery (processors, sensors, a trip round the event loop per event) cost as
    much as the work itself. What the stream iterator does per event that matters is done
    here too: each message is tracked as pending until acknowledged, and a message fetched
    before a rebalance is dropped unprocessed and unacknowledged (Faust fetches it again
    from the committed offset). Under load, events queue while a batch is processed, so
    batches grow by themselves; at a trickle each event goes through at once.

    Faust delivers fetched records to the queue one at a time on the same event loop that
    processes the batches, so on a backlog the queue holds little when ``linger_s`` ends
    (batches of about 130 events on the 40,000-person stream bench, against 2,000 allowed)
    and every batch pays its fixed costs (commits, Kafka round trips, one write per table
    key) for few events. Lingering on while the backlog alone can fill the batch costs no
    latency that the backlog did not already cost; at a trickle there is no backlog and
    nothing changes (docs/streams.md, "Worker machinery, session 6").
    """
    await stream.maybe_start()
    queue = stream.channel.queue  # the agent's subscribed channel (app.stream made it one)
    app = stream.app
    consumer = app.consumer
    loop = asyncio.get_running_loop()
    while not stream.should_stop:
        try:
            batch = [await queue.get()]
        except StopAsyncIteration:  # Faust throws this into the queue when it stops
            return
        first = loop.time()
        deadline = first + linger_s
        extended = backlog_linger_s <= linger_s
        while len(batch) < max_events:
            if not queue.empty():
                try:
                    batch.append(queue.get_nowait())
                except StopAsyncIteration:
                    break
                continue
            remaining = deadline - loop.time()
            if remaining <= 0:
                if extended or backlog(consumer, batch) < max_events - len(batch):
                    break
                extended = True
                deadline = first + backlog_linger_s
                continue
            try:
                batch.append(await asyncio.wait_for(queue.get(), remaining))
            except StopAsyncIteration:
                break
            except TimeoutError:
                continue  # the deadline passed: the backlog test above decides
        current = []
        active = app.flow_control.is_active()
        generation = app.consumer_generation_id
        for event in batch:
            message = event.message
            if not active or message.generation_id != generation:
                # Fetched before a rebalance (or during one): dropped, and neither tracked
                # nor acknowledged, like the events Faust clears from the queues when it
                # revokes. Faust's stream iterator acknowledges such an event; here that
                # recorded its offset as done after the revocation had forgotten the
                # partition's acknowledgements, so when the partition came back the consumer
                # committed past events it had not yet processed again, and a worker
                # stopped in between lost them (tests/integration/streams/test_rebalance.py).
                continue
            if not message.tracked:
                message.tracked = True
                consumer.track_message(message)
            current.append(event)
        if current:
            yield current


async def run_batches(
    stream: Any,
    stage: str,
    dlq_topic: Any,
    step: BatchStep,
    *,
    max_events: int,
    within_s: float,
    backlog_within_s: float = 0.0,
    on_dead_letter: Callable[[DeadLetter], None] = lambda _letter: None,
    lock: asyncio.Lock | None = None,
) -> None:
    """The agent body: batches in, each processed in full before its events are acked.

    ``lock`` keeps other users of the step's state (the rules sweep) out of a batch."""
    lock = lock or asyncio.Lock()
    async for events in batches(stream, max_events, within_s, backlog_within_s):
        started = time.perf_counter()
        async with lock:
            await process(events, stage, dlq_topic, step, on_dead_letter)
        acknowledge = getattr(step, "acknowledge", None)
        if acknowledge is not None:  # the step acknowledges (maybe later, hub.streams.handover)
            await acknowledge(events)
        else:
            for event in events:
                event.ack()  # now the consumer may commit it, after a producer flush
        log.debug(
            "%s: batch of %d events in %.1f ms",
            stage,
            len(events),
            (time.perf_counter() - started) * 1000,
        )
