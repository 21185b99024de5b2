"""The rules stage's place in each person partition (hub.streams.order): what the handover
may evaluate in-process without jumping records the rules agent has yet to evaluate."""

from __future__ import annotations

from dataclasses import dataclass

from faust.types import TP

from hub.streams.order import PartitionOrder

TP0, TP1 = TP("linked.events", 0), TP("linked.events", 1)


@dataclass
class App:
    consumer_generation_id: int = 1


@dataclass
class Delivered:
    tp: TP
    offset: int
    generation_id: int = 1


@dataclass
class Event:
    message: Delivered


def test_nothing_is_ready_before_the_generation_s_first_delivery() -> None:
    order = PartitionOrder(App())
    assert not order.ready(TP0, 0)
    order.evaluated(TP0, [0], 1)  # a handover cannot start a partition's frontier
    assert not order.ready(TP0, 1)


def test_the_first_delivery_fixes_the_frontier_and_evaluations_move_it_in_order() -> None:
    order = PartitionOrder(App())
    order.delivered(Delivered(TP0, 40))
    order.delivered(Delivered(TP0, 41))  # later deliveries do not move it
    assert order.ready(TP0, 40)
    assert not order.ready(TP0, 41)
    assert not order.ready(TP1, 0)  # partitions are apart
    order.evaluated_events([Event(Delivered(TP0, 40)), Event(Delivered(TP0, 41))])
    assert order.ready(TP0, 42)
    assert not order.ready(TP0, 43)


def test_offsets_evaluated_ahead_wait_until_the_frontier_reaches_them() -> None:
    order = PartitionOrder(App())
    order.delivered(Delivered(TP0, 10))
    order.evaluated(TP0, [12, 13], 1)  # skipped copies, while 10 and 11 wait in the queue
    assert not order.ready(TP0, 12)
    order.evaluated(TP0, [10], 1)
    assert not order.ready(TP0, 12)
    order.evaluated(TP0, [11], 1)
    assert order.ready(TP0, 14)
    order.evaluated(TP0, [5], 1)  # below the frontier: changes nothing
    assert not order.ready(TP0, 15)


def test_a_new_generation_starts_again_and_ignores_the_old_one_s_records() -> None:
    app = App()
    order = PartitionOrder(app)
    order.delivered(Delivered(TP0, 10))
    order.evaluated(TP0, [10, 11], 1)
    app.consumer_generation_id = 2
    assert not order.ready(TP0, 12)
    order.delivered(Delivered(TP0, 11, generation_id=1))  # fetched before the rebalance
    order.evaluated(TP0, [11], 1)
    assert not order.ready(TP0, 11)
    order.delivered(Delivered(TP0, 8, generation_id=2))  # the committed offset it sought to
    assert order.ready(TP0, 8)
    assert not order.ready(TP0, 9)
