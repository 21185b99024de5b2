"""How far the rules stage has evaluated each person partition, in the partition's order.

The rules stage must evaluate a person's events in their linked.events partition's order:
that order is all that survives a crash, so a worker that evaluates them again after a
rebalance (or a test's replay) must meet them in the order the first evaluation did, or a
windowed rule picks other evidence and the same situation is alerted twice under two ids.
The in-process handover (hub.streams.handover) would otherwise jump that queue: after a
rebalance the rules agent first works through the partition's backlog from the committed
offset, and with two workers the other worker's LinkedEvents for a person reach this
worker's partition through Kafka, behind this worker's own.

So the handover evaluates a record in-process only when every record before it in its
partition has been evaluated (``ready``); otherwise it leaves the record to the rules agent,
which reads it in order. Per partition this keeps a frontier: every offset below it has
been evaluated in the current consumer generation. The frontier starts at the first record
Faust delivers for the partition in that generation (the committed offset it sought to: the
rules agent never sees anything below it, which earlier generations evaluated), so until
that delivery nothing of the partition is handed over. Offsets evaluated out of order (the
copy of an earlier handover, skipped as it arrives while the agent's queue still holds
records before it) wait in a set until the frontier reaches them. A new generation starts
everything again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class PartitionOrder:
    def __init__(self, app: Any) -> None:
        self.app = app
        self._generation: int | None = None
        self._frontier: dict[Any, int] = {}
        self._ahead: dict[Any, set[int]] = {}

    def _current(self, generation: int) -> bool:
        """Whether ``generation`` is the consumer's; a new one forgets the old frontiers."""
        now: int = self.app.consumer_generation_id
        if self._generation != now:
            self._generation = now
            self._frontier = {}
            self._ahead = {}
        return generation == now

    def delivered(self, message: Any) -> None:
        """Every record Faust delivers for a person topic, in the partition's order: the first
        of a generation fixes where the partition's frontier starts."""
        if self._current(message.generation_id) and message.tp not in self._frontier:
            self._frontier[message.tp] = message.offset

    def evaluated(self, tp: Any, offsets: Iterable[int], generation: int) -> None:
        """Records of ``tp`` evaluated (or dead-lettered) by the rules stage."""
        if not self._current(generation):
            return
        frontier = self._frontier.get(tp)
        if frontier is None:
            return  # not delivered in this generation: below or beside where the agent reads
        ahead = self._ahead.setdefault(tp, set())
        for offset in offsets:
            if offset == frontier:
                frontier += 1
                while frontier in ahead:
                    ahead.discard(frontier)
                    frontier += 1
            elif offset > frontier:
                ahead.add(offset)
        self._frontier[tp] = frontier

    def evaluated_events(self, events: Iterable[Any]) -> None:
        """A rules agent batch, acknowledged: its events in their partitions' order."""
        for event in events:
            message = event.message
            self.evaluated(message.tp, (message.offset,), message.generation_id)

    def ready(self, tp: Any, offset: int) -> bool:
        """Whether every record of ``tp`` before ``offset`` has been evaluated."""
        self._current(self.app.consumer_generation_id)
        frontier = self._frontier.get(tp)
        return frontier is not None and frontier >= offset
