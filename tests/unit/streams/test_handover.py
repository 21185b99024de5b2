"""The link stage's in-process handover to the rules stage (hub.streams.handover): local
people are evaluated in-process, in their partition's order, and the Kafka copy is then
skipped; anything not local, not evaluable, not yet its turn in its partition or arriving
during a rebalance goes through Kafka."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from faust.types import TP

from hub.contracts.codec import Codec
from hub.streams.handover import Handover, skip_copies
from hub.streams.rules import LOCAL_LINKED, LOCAL_MERGE, Local, RulesStep
from hub.streams.sender import key_partition
from tests.unit.streams.test_rules_step import (
    LINKED,
    MERGES,
    Event,
    Message,
    flags_sent,
    linked,
    make_step,
    merged,
    run_batch,
)


def partition(person: str) -> int:
    return key_partition(person.encode(), 6)


@dataclass
class Flow:
    active: bool = True

    def is_active(self) -> bool:
        return self.active


@dataclass
class Consumer:
    assigned: set[TP] = field(default_factory=set)

    def assignment(self) -> set[TP]:
        return self.assigned


@dataclass
class App:
    flow_control: Flow = field(default_factory=Flow)
    consumer: Consumer = field(default_factory=Consumer)
    consumer_generation_id: int = 1


def everything() -> set[TP]:
    return {TP(t, p) for t in (LINKED, MERGES) for p in range(6)}


def local(event: Event, event_id: str, person: str) -> Local:
    return Local(event_id, person, 1.0, Codec().decode(event.value)[1])


def with_id(event: Event, event_id: str) -> Event:
    message = event.message
    return Event(event.value, HeaderMessage(message.topic, headers=[("ce_id", event_id.encode())]))


@dataclass
class HeaderMessage(Message):
    headers: list[tuple[str, bytes]] = field(default_factory=list)


@dataclass
class Delivered:
    """The parts of a Faust Message that hub.streams.order reads."""

    tp: TP
    offset: int
    generation_id: int = 1


def handover(step: RulesStep, app: App, delivered_from: int | None = 0) -> Handover:
    """A handover whose partitions the rules agent has read from ``delivered_from`` (None:
    nothing delivered yet in this generation)."""
    over = Handover(app, step, asyncio.Lock(), LINKED, MERGES, partition)
    if delivered_from is not None:
        for tp in everything():
            over.order.delivered(Delivered(tp, delivered_from))
    return over


def in_order(items: list[Local], start: int = 0) -> list[int | None]:
    """Offsets as if the items' records were the next ones in their partitions."""
    taken: dict[TP, int] = {}
    offsets: list[int | None] = []
    for item in items:
        tp = Handover(App(), make_step()[0], asyncio.Lock(), LINKED, MERGES, partition)._tp(item)
        offsets.append(start + taken.get(tp, 0))
        taken[tp] = taken.get(tp, 0) + 1
    return offsets


@dataclass
class Sent:
    offset: int  # what aiokafka's send future gives: the batch's first offset


def placed(items: list[Local], start: int = 0) -> list[Any]:
    """What hub.streams.sender reports for the items' records, sent as the next ones in
    their partitions: one acknowledged Kafka batch per partition (call in a running loop)."""
    counts: dict[TP, int] = {}
    over = Handover(App(), make_step()[0], asyncio.Lock(), LINKED, MERGES, partition)
    for item in items:
        tp = over._tp(item)
        counts[tp] = counts.get(tp, 0) + 1
    out = []
    for tp, n in counts.items():
        future = asyncio.get_running_loop().create_future()
        future.set_result(Sent(start))
        out.append((tp.topic, tp.partition, n, future))
    return out


def run(over: Handover, items: list[Local], start: int = 0) -> int:
    return asyncio.run(over.run(items, in_order(items, start)))


def count(registry: Any, outcome: str) -> float:
    value = registry.get_sample_value(
        "hub_worker_events_total", {"stage": "rules", "outcome": outcome}
    )
    return float(value or 0)


def test_local_events_are_evaluated_in_process_and_the_kafka_copy_is_skipped() -> None:
    step, sender, registry = make_step()
    app = App(consumer=Consumer(everything()))
    first = linked("e1", "p-a", date(2025, 1, 10))
    second = linked("e2", "p-a", date(2025, 3, 1))
    done = run(handover(step, app), [local(first, "e1", "p-a"), local(second, "e2", "p-a")])
    assert done == 2
    (flag,) = flags_sent(sender)
    assert flag["rule_id"] == "repeat_victim"
    assert [e["event_id"] for e in step.timelines.get("p-a")] == ["e1", "e2"]
    assert count(registry, "evaluated") == 2
    before = len(sender.records)
    run_batch(step, with_id(first, "e1"), with_id(second, "e2"))  # read back from Kafka
    assert len(sender.records) == before
    assert count(registry, "evaluated") == 2
    assert count(registry, "duplicate") == 0


def test_after_a_restart_the_kafka_copy_is_a_duplicate_not_a_second_alert() -> None:
    step, sender, registry = make_step()
    app = App(consumer=Consumer(everything()))
    first = linked("e1", "p-a", date(2025, 1, 10))
    second = linked("e2", "p-a", date(2025, 3, 1))
    run(handover(step, app), [local(first, "e1", "p-a"), local(second, "e2", "p-a")])
    step.done_locally.clear()  # a restarted worker remembers nothing in memory
    before = len(sender.records)
    run_batch(step, with_id(first, "e1"), with_id(second, "e2"))
    assert len(sender.records) == before
    assert count(registry, "duplicate") == 2


def test_people_of_partitions_held_elsewhere_go_through_kafka() -> None:
    step, _, _ = make_step()
    elsewhere = partition("p-a")
    app = App(consumer=Consumer({tp for tp in everything() if tp.partition != elsewhere}))
    event = linked("e1", "p-a", date(2025, 1, 10))
    assert run(handover(step, app), [local(event, "e1", "p-a")]) == 0
    assert step.timelines.get("p-a") is None
    run_batch(step, with_id(event, "e1"))  # the rules agent evaluates it from Kafka
    assert [e["event_id"] for e in step.timelines.get("p-a")] == ["e1"]


def test_nothing_is_handed_over_while_rebalancing() -> None:
    step, _, _ = make_step()
    app = App(flow_control=Flow(active=False), consumer=Consumer(everything()))
    event = linked("e1", "p-a", date(2025, 1, 10))
    assert run(handover(step, app), [local(event, "e1", "p-a")]) == 0
    assert step.done_locally == {}


def test_an_item_that_raises_is_left_to_the_rules_agent_and_the_rest_go_on() -> None:
    step, _, _ = make_step()
    app = App(consumer=Consumer(everything()))
    good = linked("e1", "p-a", date(2025, 1, 10))
    bad = Local("e9", "p-a", 1.0, {"event_id": "e9", "person_id": "p-a"})  # no facts
    assert run(handover(step, app), [bad, local(good, "e1", "p-a")]) == 1
    assert [e["event_id"] for e in step.timelines.get("p-a")] == ["e1"]
    assert ("linked", "e9") not in step.done_locally
    assert ("linked", "e1") in step.done_locally


def test_a_merge_is_handed_over_too() -> None:
    step, sender, _ = make_step()
    app = App(consumer=Consumer(everything()))
    run_batch(step, linked("e1", "p-a", date(2025, 1, 10)), linked("e2", "p-b", date(2025, 3, 1)))
    item = Local("e2", "p-a", 1.0, merge=("p-a", "p-b", "e2"))
    assert run(handover(step, app), [item]) == 1
    assert [f["person_id"] for f in flags_sent(sender)] == ["p-a"]
    before = len(sender.records)
    run_batch(step, with_id(merged("p-a", "p-b", "e2"), "e2"))
    assert len(sender.records) == before


@dataclass
class Fetched(Message):
    """A LinkedEvent as the rules agent reads it from Kafka, at ``offset``."""

    offset: int = 0
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    generation_id: int = 1

    @property
    def tp(self) -> TP:
        return TP(self.topic, self.partition)

    def ack(self, consumer: Any) -> None:  # a copy skipped at the conductor
        consumer.acked.append(self)


@dataclass
class FetchedEvent(Event):
    acked: bool = False

    def ack(self) -> None:
        self.acked = True


def read_back(event: Event, event_id: str, person: str, offset: int) -> FetchedEvent:
    message = Fetched(LINKED, 1.0, partition(person), offset, [("ce_id", event_id.encode())])
    return FetchedEvent(event.value, message)


def rules_agent(step: RulesStep, *events: FetchedEvent) -> None:
    """One rules agent batch: evaluated, committed, acknowledged."""
    run_batch(step, *events)
    asyncio.run(step.acknowledge(events))
    assert all(event.acked for event in events)


def test_an_item_behind_records_the_rules_agent_has_yet_to_read_goes_through_kafka() -> None:
    """After a rebalance the rules agent reads the person partition from its committed offset:
    what the link stage sends meanwhile waits behind the person's earlier LinkedEvents.
    Handed over first, the later event raised a repeat-victim alert on other evidence than
    the partition's order gives, and a worker that evaluated the partition again after a
    crash alerted the same victimisation under a second id."""
    step, sender, _ = make_step()
    app = App(consumer=Consumer(everything()))
    over = handover(step, app, delivered_from=10)
    earlier = linked("e1", "p-a", date(2025, 1, 10))  # offset 10, in the agent's queue
    later = linked("e2", "p-a", date(2025, 3, 1))
    assert run(over, [local(later, "e2", "p-a")], start=11) == 0
    assert step.timelines.get("p-a") is None
    rules_agent(step, read_back(earlier, "e1", "p-a", 10), read_back(later, "e2", "p-a", 11))
    assert [e["event_id"] for e in step.timelines.get("p-a")] == ["e1", "e2"]
    (flag,) = flags_sent(sender)
    assert [e["event_id"] for e in flag["evidence"]] == ["e1", "e2"]
    third = linked("e3", "p-a", date(2025, 4, 1))
    assert run(over, [local(third, "e3", "p-a")], start=12) == 1  # its turn: in-process again


def test_nothing_is_handed_over_in_a_partition_the_rules_agent_has_not_yet_read() -> None:
    step, _, _ = make_step()
    app = App(consumer=Consumer(everything()))
    event = linked("e1", "p-a", date(2025, 1, 10))
    assert run(handover(step, app, delivered_from=None), [local(event, "e1", "p-a")]) == 0
    assert step.done_locally == {}


def test_a_batch_goes_on_in_process_only_while_its_records_follow_on() -> None:
    """Another worker's LinkedEvent between two of this worker's: the second waits for it."""
    step, _, _ = make_step()
    app = App(consumer=Consumer(everything()))
    over = handover(step, app)
    first = local(linked("e1", "p-a", date(2025, 1, 10)), "e1", "p-a")
    second = local(linked("e2", "p-a", date(2025, 3, 1)), "e2", "p-a")
    assert asyncio.run(over.run([first, second], [0, 2])) == 1
    assert ("linked", "e1") in step.done_locally
    assert ("linked", "e2") not in step.done_locally


def test_records_pair_with_items_by_partition_in_the_order_they_were_sent() -> None:
    step, _, _ = make_step()
    over = handover(step, App())
    a1, a2 = (local(linked(e, "p-a", date(2025, 1, 10)), e, "p-a") for e in ("a1", "a2"))
    b1 = local(linked("b1", "p-c", date(2025, 1, 10)), "b1", "p-c")
    gone = Local("b1", "p-a", 1.0, merge=("p-a", "p-c", "b1"))

    async def scenario() -> None:
        loop = asyncio.get_running_loop()

        def acked(offset: int) -> asyncio.Future[Any]:
            future = loop.create_future()
            future.set_result(Sent(offset))
            return future

        failed = loop.create_future()
        failed.set_exception(RuntimeError("broker gone"))
        a, b = partition("p-a"), partition("p-c")
        sent = [
            (LINKED, a, 1, acked(30)),  # a full Kafka batch, then the rest of the partition's
            (LINKED, a, 1, acked(31)),
            (LINKED, b, 1, failed),
            (MERGES, b, 1, acked(7)),
            ("hub-worker-hub-linkage-state-changelog", 0, 3, acked(900)),
        ]
        items = [a1, b1, a2, gone]
        assert await over.offsets(items, sent) == [30, None, 31, 7]
        assert await over.offsets(items, sent[:1]) == [None] * 4  # records and items disagree

    asyncio.run(scenario())


def test_skipped_copies_and_deliveries_keep_the_partition_s_place() -> None:
    step, _sender, _registry = make_step()
    app = ConductorApp(consumer=TrackingConsumer(everything()))
    over = Handover(app, step, asyncio.Lock(), LINKED, MERGES, partition)
    skip_copies(app, step, {LINKED: LOCAL_LINKED})
    tp = TP(LINKED, partition("p-a"))
    handler = app.topics._build_handler(tp, set())
    step.handed_over([(LOCAL_LINKED, "e2")])  # from an earlier generation, say
    first = Fetched(LINKED, 1.0, tp.partition, 20, [("ce_id", b"e1")])
    copy = Fetched(LINKED, 1.0, tp.partition, 21, [("ce_id", b"e2")])
    for message in (first, copy):
        asyncio.run(handler(message))
    assert app.topics.delivered == [first]  # e1 waits in the agent's queue
    assert over.order.ready(tp, 20)
    assert not over.order.ready(tp, 21)
    over.order.evaluated(tp, [20], 1)  # the agent evaluates e1; the copy at 21 was done
    assert over.order.ready(tp, 22)


@dataclass
class Acked:
    acked: list[str] = field(default_factory=list)

    def event(self, name: str) -> Any:
        log = self.acked

        class Source:
            def ack(self) -> None:
                log.append(name)

        return Source()


def test_link_batches_that_queued_meanwhile_go_through_one_rules_pass() -> None:
    step, _, registry = make_step()
    app = App(consumer=Consumer(everything()))
    acks = Acked()
    runs: list[int] = []

    async def scenario() -> None:
        lock = asyncio.Lock()
        over = Handover(app, step, lock, LINKED, MERGES, partition)
        over.order.delivered(Delivered(TP(LINKED, partition("p-a")), 0))
        real_run = over.run

        async def counted(items: list[Local], offsets: list[int | None]) -> int:
            runs.append(len(items))
            return await real_run(items, offsets)

        over.run = counted  # type: ignore[method-assign]
        async with lock:  # the rules stage is busy: both link batches queue behind it
            first = linked("e1", "p-a", date(2025, 1, 10))
            second = linked("e2", "p-a", date(2025, 3, 1))
            one, two = [local(first, "e1", "p-a")], [local(second, "e2", "p-a")]
            await over.submit(one, [acks.event("s1")], placed(one))
            await over.submit(two, [acks.event("s2")], placed(two, start=1))
            await asyncio.sleep(0)
            assert acks.acked == []  # nothing acknowledged before its rules pass committed
        for _ in range(100):
            if acks.acked:
                break
            await asyncio.sleep(0.01)
        over.stop()

    asyncio.run(scenario())
    assert runs == [2]
    assert acks.acked == ["s1", "s2"]
    assert count(registry, "evaluated") == 2


@dataclass
class FetchedMessage:
    """The parts of a Faust Message the conductor's handler sees."""

    topic: str
    headers: list[tuple[str, bytes]]
    generation_id: int = 1
    tracked: bool = False
    acked: bool = False

    def ack(self, consumer: Any) -> None:
        self.acked = True
        consumer.acked.append(self)


@dataclass
class TrackingConsumer(Consumer):
    tracked: list[Any] = field(default_factory=list)
    acked: list[Any] = field(default_factory=list)

    def track_message(self, message: Any) -> None:
        self.tracked.append(message)


@dataclass
class Conductor:
    delivered: list[Any] = field(default_factory=list)

    def _build_handler(self, tp: TP, channels: Any) -> Any:
        async def on_message(message: Any) -> None:
            self.delivered.append(message)  # Faust's path: an event in the agent's queue

        return on_message


@dataclass
class ConductorApp(App):
    consumer: TrackingConsumer = field(default_factory=TrackingConsumer)
    topics: Conductor = field(default_factory=Conductor)
    consumer_generation_id: int = 1


def fetched(topic: str, event_id: str, generation: int = 1) -> FetchedMessage:
    return FetchedMessage(topic, [("ce_id", event_id.encode())], generation)


def test_copies_of_handed_over_events_are_acknowledged_before_they_become_events() -> None:
    step, _sender, _registry = make_step()
    app = ConductorApp()
    skip_copies(app, step, {LINKED: LOCAL_LINKED, MERGES: LOCAL_MERGE})
    step.handed_over([(LOCAL_LINKED, "e1"), (LOCAL_MERGE, "e2")])
    linked_handler = app.topics._build_handler(TP(LINKED, 0), set())
    merges_handler = app.topics._build_handler(TP(MERGES, 3), set())
    copy, merge_copy = fetched(LINKED, "e1"), fetched(MERGES, "e2")
    other, wrong_kind = fetched(LINKED, "e3"), fetched(LINKED, "e2")
    for handler, message in [
        (linked_handler, copy),
        (merges_handler, merge_copy),
        (linked_handler, other),
        (linked_handler, wrong_kind),  # e2 was handed over as a merge, not a LinkedEvent
    ]:
        asyncio.run(handler(message))
    assert app.consumer.acked == [copy, merge_copy]
    assert app.consumer.tracked == [copy, merge_copy]
    assert copy.tracked
    assert app.topics.delivered == [other, wrong_kind]


def test_copies_fetched_while_rebalancing_or_in_an_old_generation_take_faust_s_path() -> None:
    step, _sender, _registry = make_step()
    app = ConductorApp(consumer_generation_id=2)
    skip_copies(app, step, {LINKED: LOCAL_LINKED})
    step.handed_over([(LOCAL_LINKED, "e1"), (LOCAL_LINKED, "e2")])
    handler = app.topics._build_handler(TP(LINKED, 0), set())
    stale = fetched(LINKED, "e1", generation=1)
    asyncio.run(handler(stale))
    app.flow_control.active = False
    rebalancing = fetched(LINKED, "e2", generation=2)
    asyncio.run(handler(rebalancing))
    assert app.consumer.acked == []
    assert app.topics.delivered == [stale, rebalancing]


def test_other_topics_keep_faust_s_handler() -> None:
    step, _sender, _registry = make_step()
    app = ConductorApp()
    original = Conductor._build_handler
    skip_copies(app, step, {LINKED: LOCAL_LINKED})
    handler = app.topics._build_handler(TP("src.police", 0), set())
    assert handler.__qualname__ == original(app.topics, TP("x", 0), set()).__qualname__
