"""The link stage hands its LinkedEvents and merges to the rules stage in-process.

Every LinkedEvent used to cross Kafka a second time inside the worker: sent by the link
agent, fetched, wrapped in a Faust event, decoded and batched again by the rules agent. That
hop cost about a third of the worker's CPU per event and a fetch wait, a batch linger and a
batch of its own in latency. When this worker holds the person's partition (one worker holds
all six today, docs/scaling.md), the link stage now runs the rules stage on its batch's
outputs itself:

1. the link batch commits as before (LinkedEvents and merges sent, linkage state written)
   and hands its LinkedEvents and merges, with its source events unacknowledged, to a
   queue; the link agent goes on with its next batch at once;
2. a task of the link agent (``serve``) takes the handed-over batches in order (all that
   queued while it was busy, as one: a rules commit waits for Kafka's acknowledgement once,
   so a queue that grew under load drains in one wait, not one each), waits for Kafka to
   acknowledge their records (their offsets) and, under the rules lock (so a rules batch or
   the sweep never interleaves), runs the rules step over the local ones whose turn it is in
   their partition (every record before them evaluated, hub.streams.order), with the rules
   stage's own poison handling (hub.streams.batch.run_pure): one that raises is left to the
   rules agent, which reads it from Kafka and dead-letters it with its coordinates;
3. the rules step commits as it always does (flags and alerts sent and acknowledged, then
   timelines and memory written), and only then are the source events acknowledged.

The link stage's CPU thus overlaps the rules stage's wait for Kafka's acknowledgements, as
with two agents, without the second trip through Kafka.

At-least-once is unchanged: a source event is acknowledged only after both stages' outputs
and state; a crash anywhere before that redelivers it, the linker repeats its decision and the
rules stage finds the event on the timeline (a duplicate, no second alert). The copy the rules
agent then reads from linked.events or person.merges is skipped by its ``ce_id`` without a
decode (``RulesStep.done_locally``); after a restart that memory is empty and the timeline
check deduplicates it instead. The LinkedEvent is handed over as the record the link stage
encoded, not decoded again. A person whose partition is not assigned here, a record behind
others the rules agent has yet to evaluate, or a batch handed over while the worker is
rebalancing, goes through Kafka as before. If the rules agent
reads the Kafka copy before the handover reaches it, whichever takes the rules lock second
finds the event on the timeline (counted as a duplicate; one set of outputs).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from faust.types import TP

from hub.streams.batch import run_pure
from hub.streams.order import PartitionOrder
from hub.streams.rules import Local, RulesStep, ce_id
from hub.streams.sender import Placed


class Handover:
    def __init__(
        self,
        app: Any,
        step: RulesStep,
        lock: asyncio.Lock,
        linked_topic: str,
        merges_topic: str,
        partition_of: Callable[[str], int],
    ) -> None:
        self.app = app
        self.step = step
        self.lock = lock
        self.linked_topic = linked_topic
        self.merges_topic = merges_topic
        self.partition_of = partition_of
        self.order = step.order = PartitionOrder(app)
        self.queue: asyncio.Queue[tuple[list[Local], Sequence[Any], list[Placed]]] = asyncio.Queue(
            maxsize=4
        )
        self._serving: asyncio.Task[None] | None = None

    async def submit(
        self, items: list[Local], events: Sequence[Any], placed: list[Placed] | None = None
    ) -> None:
        """Queue a committed link batch, with where its records were sent (``placed``, from
        hub.streams.sender); its events are acknowledged once evaluated here."""
        serving = self._serving
        if serving is None or serving.done():
            if serving is not None and not serving.cancelled() and serving.exception():
                raise RuntimeError("the rules handover stopped") from serving.exception()
            self._serving = asyncio.create_task(self.serve(), name="hub-rules-handover")
        await self.queue.put((items, events, placed or []))

    async def serve(self) -> None:
        while True:
            batch = [await self.queue.get()]
            while not self.queue.empty():  # link batches that queued meanwhile: one rules pass
                batch.append(self.queue.get_nowait())
            items: list[Local] = []
            offsets: list[int | None] = []
            for batch_items, _events, placed in batch:
                items += batch_items
                offsets += await self.offsets(batch_items, placed)
            await self.run(items, offsets)
            for _items, events, _placed in batch:
                for event in events:
                    event.ack()  # both stages' outputs sent and state written

    def stop(self) -> None:
        """Cancel the serving task; what it had not acknowledged is fetched again."""
        if self._serving is not None:
            self._serving.cancel()

    def _tp(self, item: Local) -> TP:
        """The topic partition of the item's record: its person's, or the merged person's."""
        if item.merge is None:
            return TP(self.linked_topic, self.partition_of(item.person_id))
        return TP(self.merges_topic, self.partition_of(item.merge[1]))

    async def offsets(self, items: list[Local], placed: list[Placed]) -> list[int | None]:
        """Each item's record's offset, once Kafka has acknowledged the link batch; None
        where it is not known (the send failed), which leaves the item to the rules agent."""
        person_topics = (self.linked_topic, self.merges_topic)
        sent = [(TP(t, p), n, future) for t, p, n, future in placed if t in person_topics]
        futures = [future for _tp, _n, future in sent]
        results = await asyncio.gather(*futures, return_exceptions=True)
        by_tp: dict[TP, list[int | None]] = {}
        for (tp, count, _future), result in zip(sent, results, strict=True):
            first = None if isinstance(result, BaseException) else result.offset
            by_tp.setdefault(tp, []).extend(
                [None] * count if first is None else range(first, first + count)
            )
        taken: dict[TP, int] = {}
        offsets: list[int | None] = []
        for item in items:
            tp = self._tp(item)
            n = taken.get(tp, 0)
            taken[tp] = n + 1
            sent_to = by_tp.get(tp, [])
            offsets.append(sent_to[n] if n < len(sent_to) else None)
        if any(len(by_tp.get(tp, ())) != n for tp, n in taken.items()):
            return [None] * len(items)  # records and items do not pair up: trust neither
        return offsets

    def _local(self, item: Local, assigned: set[Any]) -> bool:
        partition_of = self.partition_of
        if item.merge is None:
            return TP(self.linked_topic, partition_of(item.person_id)) in assigned
        surviving, merged, _evidence = item.merge
        return (
            TP(self.merges_topic, partition_of(merged)) in assigned
            and TP(self.linked_topic, partition_of(merged)) in assigned
            and TP(self.linked_topic, partition_of(surviving)) in assigned
        )

    async def run(self, items: list[Local], offsets: list[int | None]) -> int:
        """Evaluate the local ones whose turn it is in their partition (hub.streams.order);
        the number evaluated (the rest go through Kafka)."""
        app = self.app
        if not items or not app.flow_control.is_active():
            return 0  # rebalancing: the rules agent takes them from Kafka
        async with self.lock:
            generation = app.consumer_generation_id
            assigned = set(app.consumer.assignment())
            order = self.order
            local = []
            for item, offset in zip(items, offsets, strict=True):
                if offset is None or not self._local(item, assigned):
                    continue
                tp = self._tp(item)
                if order.ready(tp, offset):
                    local.append(item)
                    # Evaluated next, under this lock: the item after it may follow it. One
                    # that raises changes no state, so its place in the order is no matter.
                    order.evaluated(tp, (offset,), generation)
            if not local:
                return 0
            failed = run_pure(self.step, local)
            await self.step.commit()
            done = [item.key for n, item in enumerate(local) if n not in failed]
            self.step.handed_over(done)  # before the rules agent can take the lock
        return len(done)


def skip_copies(app: Any, step: RulesStep, kinds: dict[str, str]) -> None:
    """Acknowledge the Kafka copy of what the handover evaluated as Faust hands it over from
    the fetcher, before it becomes an event in the rules agent's queue.

    The copies are about half the records the worker's consumer delivers; going through the
    agent's queue and a batch only to be skipped by ``ce_id`` cost a Faust event, the
    channel's decode, a queue put, the batch's tracking and an acknowledgement after the
    batch. Here the same ``ce_id`` test (``RulesStep.done_locally``, filled only after the
    handover's rules commit: alerts acknowledged by Kafka, state written) is made on the raw
    record in the conductor's handler for the topic partition (``kinds``: topic -> the key
    kind, hub.streams.rules), and a match is tracked and acknowledged at once, as the agent
    would have after its batch. A copy fetched while the worker is rebalancing (flow control
    off) or before the current generation, and every other record, take Faust's own path.
    Acknowledging the copy lets its offset be committed after a producer flush, as before:
    the state it stands for was written before it was remembered."""
    conductor = app.topics
    build = conductor._build_handler

    def build_handler(tp: TP, channels: Any) -> Any:
        handler = build(tp, channels)
        kind = kinds.get(tp.topic)
        if kind is None:
            return handler
        flow = app.flow_control

        async def on_message(message: Any) -> None:
            if not flow.is_active():
                await handler(message)  # rebalancing: dropped by the agent, fetched again
                return
            order = step.order
            if order is not None:
                order.delivered(message)
            done = step.done_locally
            if (
                done
                and (kind, ce_id(message)) in done
                and message.generation_id == app.consumer_generation_id
            ):
                consumer = app.consumer
                message.tracked = True
                consumer.track_message(message)
                message.ack(consumer)
                if order is not None:
                    order.evaluated(message.tp, (message.offset,), message.generation_id)
                return
            await handler(message)

        return on_message

    conductor._build_handler = build_handler
