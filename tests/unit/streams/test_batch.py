"""A batch is a transaction in memory: a poison event is dead-lettered and leaves no trace."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from hub.streams.batch import backlog, batches, process, run_pure
from hub.streams.deadletter import DeadLetter


@dataclass
class Message:
    offset: int
    value: bytes
    topic: str = "src.police"
    partition: int = 0
    key: bytes | None = None
    headers: list[tuple[str, bytes]] = field(
        default_factory=lambda: [("ce_source", b"/csp/partner/police")]
    )


@dataclass
class Event:
    message: Message

    @property
    def value(self) -> bytes:
        return self.message.value


class CountingStep:
    """Keeps a running total; a value of b"poison" changes the state, then fails."""

    def __init__(self) -> None:
        self.committed: list[tuple[int, list[int]]] = []
        self.passes = 0

    def begin(self) -> None:
        self.total = 0
        self.seen: list[int] = []
        self.passes += 1

    def one(self, event: Any) -> None:
        if event.value == b"poison":
            self.total += 1000  # a half-done event: must not survive
            raise ValueError("cannot count poison")
        self.total += int(event.value)
        self.seen.append(event.message.offset)

    async def commit(self) -> None:
        self.committed.append((self.total, list(self.seen)))


def _events(*values: bytes) -> list[Event]:
    return [Event(Message(offset, value)) for offset, value in enumerate(values)]


def test_a_clean_batch_runs_once() -> None:
    step = CountingStep()
    assert run_pure(step, _events(b"1", b"2", b"3")) == {}
    assert (step.total, step.passes) == (6, 1)


def test_a_poison_event_is_excluded_and_its_partial_work_undone() -> None:
    step = CountingStep()
    failed = run_pure(step, _events(b"1", b"poison", b"2", b"poison", b"3"))
    assert sorted(failed) == [1, 3]
    assert all(isinstance(e, ValueError) for e in failed.values())
    assert step.total == 6  # the re-run without the poison events
    assert step.seen == [0, 2, 4]
    assert step.passes == 2


class DeadLetterTopic:
    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.sent: list[tuple[bytes | None, bytes, list[tuple[str, bytes]]]] = []

    async def send(
        self, *, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]
    ) -> asyncio.Future[None]:
        self.sent.append((key, value, headers))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def acknowledged() -> None:
            self.log.append("dead letter acknowledged")
            future.set_result(None)

        asyncio.get_running_loop().call_later(0.01, acknowledged)
        return future


def test_dead_letters_are_acknowledged_before_the_batch_commits() -> None:
    log: list[str] = []
    step = CountingStep()
    original_commit = step.commit

    async def commit() -> None:
        log.append("commit")
        await original_commit()

    step.commit = commit  # type: ignore[method-assign]
    dlq = DeadLetterTopic(log)
    letters: list[DeadLetter] = []
    asyncio.run(process(_events(b"5", b"poison", b"7"), "link", dlq, step, letters.append))
    assert log == ["dead letter acknowledged", "commit"]
    assert step.committed == [(12, [0, 2])]
    assert [value for _, value, _ in dlq.sent] == [b"poison"]  # the original bytes, unchanged
    (letter,) = letters
    assert letter == DeadLetter.from_headers(dlq.sent[0][2])
    assert (letter.stage, letter.source_offset, letter.partner) == ("link", 1, "police")
    assert letter.reason == "ValueError: cannot count poison"


@dataclass
class Fetched:
    """The parts of a Faust message ``batches`` reads."""

    offset: int
    tp: tuple[str, int] = ("src.police", 0)
    tracked: bool = False
    generation_id: int = 1


@dataclass
class FetchedEvent:
    message: Fetched
    acked: bool = False

    def ack(self) -> None:
        self.acked = True


class Flow:
    def is_active(self) -> bool:
        return True


@dataclass
class FetchingConsumer:
    ends: dict[tuple[str, int], int]
    tracked: list[Any] = field(default_factory=list)

    def highwater(self, tp: tuple[str, int]) -> int | None:
        return self.ends.get(tp)

    def track_message(self, message: Any) -> None:
        self.tracked.append(message)


@dataclass
class FetchingApp:
    consumer: FetchingConsumer
    flow_control: Flow = field(default_factory=Flow)
    consumer_generation_id: int = 1


class Channel:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()


class Stream:
    def __init__(self, app: FetchingApp) -> None:
        self.app = app
        self.channel = Channel()
        self.should_stop = False

    async def maybe_start(self) -> None:
        return None


def _first_batch(end: int, backlog_linger_s: float) -> tuple[list[int], float]:
    """Offsets of the first batch (at most 10) while events 0-29 arrive every 10 ms, the
    partition's highwater at ``end``; and how long the batch took."""

    async def scenario() -> tuple[list[int], float]:
        stream = Stream(FetchingApp(FetchingConsumer({("src.police", 0): end})))

        async def deliver() -> None:
            for offset in range(30):
                stream.channel.queue.put_nowait(FetchedEvent(Fetched(offset)))
                await asyncio.sleep(0.01)

        feeding = asyncio.create_task(deliver())
        loop = asyncio.get_running_loop()
        started = loop.time()
        async for batch in batches(stream, 10, 0.025, backlog_linger_s):
            took = loop.time() - started
            feeding.cancel()
            assert all(e.message.tracked for e in batch)
            return [e.message.offset for e in batch], took
        raise AssertionError("no batch")

    return asyncio.run(scenario())


def test_at_a_trickle_a_batch_lingers_only_batch_within_s() -> None:
    offsets, took = _first_batch(end=3, backlog_linger_s=2.0)  # nothing more in Kafka
    assert 1 <= len(offsets) < 10
    assert took < 1.0


def test_a_batch_lingers_on_while_kafka_holds_enough_to_fill_it() -> None:
    offsets, took = _first_batch(end=1_000, backlog_linger_s=2.0)
    assert offsets == list(range(10))
    assert took < 1.0  # filled well before the backlog linger ended


def test_the_backlog_linger_is_bounded() -> None:
    offsets, took = _first_batch(end=1_000, backlog_linger_s=0.05)
    assert 1 <= len(offsets) < 10  # 50 ms: about five events
    assert took < 1.0


def test_backlog_counts_records_behind_each_partition_s_last_event() -> None:
    consumer = FetchingConsumer({("a", 0): 10, ("b", 0): 5})
    events = [
        FetchedEvent(Fetched(3, ("a", 0))),
        FetchedEvent(Fetched(6, ("a", 0))),
        FetchedEvent(Fetched(4, ("b", 0))),
        FetchedEvent(Fetched(0, ("c", 0))),  # highwater not known yet: counts nothing
    ]
    assert backlog(consumer, events) == (10 - 7) + (5 - 5)
    assert backlog(object(), events) == 0


class Stopped(Flow):
    def is_active(self) -> bool:
        return False


def _batches_of(app: FetchingApp, *events: FetchedEvent) -> list[list[int]]:
    async def scenario() -> list[list[int]]:
        stream = Stream(app)
        for event in events:
            stream.channel.queue.put_nowait(event)
        out: list[list[int]] = []
        async for batch in batches(stream, 10, 0.01):
            out.append([e.message.offset for e in batch])
            stream.should_stop = True
        return out

    return asyncio.run(asyncio.wait_for(scenario(), 5))


def test_events_fetched_before_a_rebalance_are_dropped_unacknowledged() -> None:
    """Acknowledged, a dropped event's offset counted as done once the partition came back,
    and the consumer committed past it before it was processed again."""
    app = FetchingApp(FetchingConsumer({}), consumer_generation_id=2)
    old = [FetchedEvent(Fetched(0, generation_id=1)), FetchedEvent(Fetched(1, generation_id=1))]
    new = FetchedEvent(Fetched(2, generation_id=2))
    assert _batches_of(app, *old, new) == [[2]]
    assert [e.acked for e in old] == [False, False]
    assert [e.message.tracked for e in old] == [False, False]
    assert app.consumer.tracked == [new.message]


def test_events_taken_while_rebalancing_are_dropped_unacknowledged() -> None:
    app = FetchingApp(FetchingConsumer({}), flow_control=Stopped())
    events = [FetchedEvent(Fetched(0)), FetchedEvent(Fetched(1))]

    async def scenario() -> None:
        stream = Stream(app)
        for event in events:
            stream.channel.queue.put_nowait(event)
        async for _batch in batches(stream, 10, 0.01):
            raise AssertionError("a batch while rebalancing")

    with contextlib.suppress(TimeoutError):  # waiting for more, having dropped these two
        asyncio.run(asyncio.wait_for(scenario(), 0.5))
    assert [e.acked for e in events] == [False, False]
    assert app.consumer.tracked == []
