"""The worker's consumer seeks to the committed offsets with its flow stopped
(hub.streams.transport): no record is delivered while the read offsets change."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from hub.streams.transport import seek_with_flow_stopped


@dataclass
class Consumer:
    """The flow switch of a Faust consumer, with a log of what happened when."""

    flow_active: bool = True
    log: list[str] = field(default_factory=list)

    def stop_flow(self) -> None:
        self.flow_active = False
        self.log.append("stop")

    def resume_flow(self) -> None:
        self.flow_active = True
        self.log.append("resume")


def test_the_flow_is_stopped_while_the_seek_runs_and_running_again_after() -> None:
    consumer = Consumer()

    async def seek() -> None:
        consumer.log.append(f"seek with flow {consumer.flow_active}")

    asyncio.run(seek_with_flow_stopped(consumer, asyncio.Lock(), seek))
    assert consumer.log == ["stop", "seek with flow False", "resume"]
    assert consumer.flow_active


def test_a_seek_during_a_rebalance_leaves_the_stopped_flow_to_faust() -> None:
    consumer = Consumer(flow_active=False)

    async def seek() -> None:
        consumer.log.append("seek")

    asyncio.run(seek_with_flow_stopped(consumer, asyncio.Lock(), seek))
    assert consumer.log == ["seek"]
    assert not consumer.flow_active


def test_seeks_run_one_at_a_time() -> None:
    consumer = Consumer()

    def seek(name: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            consumer.log.append(f"{name} starts")
            await asyncio.sleep(0.01)
            consumer.log.append(f"{name} ends")

        return run

    async def both() -> None:
        lock = asyncio.Lock()
        await asyncio.gather(
            seek_with_flow_stopped(consumer, lock, seek("first")),
            seek_with_flow_stopped(consumer, lock, seek("second")),
        )

    asyncio.run(both())
    assert consumer.log == [
        "stop",
        "first starts",
        "first ends",
        "resume",
        "stop",
        "second starts",
        "second ends",
        "resume",
    ]


def test_the_flow_runs_again_when_the_seek_fails() -> None:
    consumer = Consumer()

    async def seek() -> None:
        raise TimeoutError("no answer from the group coordinator")

    with pytest.raises(TimeoutError):
        asyncio.run(seek_with_flow_stopped(consumer, asyncio.Lock(), seek))
    assert consumer.flow_active
