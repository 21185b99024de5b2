"""The floor under `hub worker`'s throughput: Faust and Kafka alone, with no stage work.

Issue #5 asks for 10,000 events/s through linkage, rules and routing on one worker. This
measures what one Faust worker process costs per event on this machine before any of that
work: the same app settings as `hub worker` (hub.streams.app, the same commit and producer
tuning), the same batch path (hub.streams.batch.run_batches: the agent's queue read in
batches, each event tracked and acknowledged, offsets committed after a producer flush), over
the same backlog of source events, with a step that does next to nothing:

- ``ack``: every event is acknowledged, nothing is decoded or sent: Faust's consumer,
  per-record delivery, batching and commits alone;
- ``relay``: each event's bytes are sent on, once, to linked.events (one output per event,
  as the link stage's LinkedEvent): plus producing;
- ``decode``: as ``relay``, and each event is also decoded with the hub's Avro codec, as
  the link stage must.

Each mode is its own consumer group over the same backlog, one after another, in a worker
process of its own; its CPU and the broker's come from /proc over the span from the first
batch to the last (as bench_stream.py does), so on two cores events/s can be no more than
2 CPU-seconds over (worker + broker) CPU per event.

    .venv/bin/python bench/bench_floor.py [--people 60000] [--modes ack relay decode]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_stream import CpuSampler, publish
from scratch import partnership_settings, scratch_folder

from hub.config import HubSettings, child_environment, load_settings
from hub.kafka.local import LocalBroker
from hub.kafka.topics import PARTNERS, topic_name

MODES = ("ack", "relay", "decode")


class FloorStep:
    """A batch step (hub.streams.batch.BatchStep) that does only what ``mode`` says, and
    writes the wall times of its first and last batch to ``result`` once ``expect`` events
    have gone through."""

    def __init__(self, app: Any, mode: str, out_topic: str, expect: int, result: Path) -> None:
        from hub.contracts.codec import Codec
        from hub.streams.sender import BatchSender

        self.app = app
        self.mode = mode
        self.out_topic = out_topic
        self.expect = expect
        self.result = result
        self.codec = Codec()
        self.sender = BatchSender(app)
        self.partitions = 0
        self.batch = 0
        self.done = 0
        self.batches = 0
        self.first = 0.0

    def begin(self) -> None:
        self.sender.clear()
        self.batch = 0
        if not self.first:
            self.first = time.time()

    def one(self, event: Any) -> None:
        if self.mode == "decode":
            self.codec.decode(event.value)
        if self.mode != "ack":
            message = event.message
            self.sender.add(
                self.out_topic, message.offset % self.partitions, message.key, event.value
            )
        self.batch += 1

    async def commit(self) -> None:
        if self.mode != "ack":
            await self.sender.send()
        self.done += self.batch
        self.batches += 1
        if self.done >= self.expect and not self.result.exists():
            await self.app.producer.flush()
            figures = {"first": self.first, "last": time.time(), "events": self.done}
            self.result.write_text(json.dumps({**figures, "batches": self.batches}))


def serve(mode: str, expect: int, result: Path) -> None:
    """The floor worker (a child process; settings from the environment, as `hub worker`)."""
    from faust.worker import Worker

    from hub.streams.app import create_app
    from hub.streams.batch import run_batches

    settings = load_settings()
    tuning = settings.worker
    app = create_app(  # as hub.streams.worker.build
        settings,
        f"hub-floor-{result.stem}",  # a consumer group of its own: the whole backlog
        broker_commit_interval=tuning.commit_interval_s,
        broker_commit_every=10 * tuning.batch_max_events,
        producer_max_batch_size=256 * 1024,
    )
    prefix = settings.topic_prefix
    sources = app.topic(
        *(topic_name(f"src.{p}", prefix) for p in PARTNERS),
        key_serializer="raw",
        value_serializer="raw",
    )
    dlq = app.topic(topic_name("dlq.link", prefix), key_serializer="raw", value_serializer="raw")
    step = FloorStep(app, mode, topic_name("linked.events", prefix), expect, result)

    @app.agent(sources, name="hub-floor")
    async def floor(stream: Any) -> None:
        step.partitions = await step.sender.partitions(step.out_topic)
        await run_batches(
            stream,
            "link",
            dlq,
            step,
            max_events=tuning.batch_max_events,
            within_s=tuning.batch_within_s,
            backlog_within_s=tuning.batch_backlog_within_s,
        )

    Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()


def measure(
    settings: HubSettings, mode: str, name: str, expect: int, broker_pid: int, work: Path
) -> dict[str, float]:
    work.mkdir(parents=True, exist_ok=True)
    result = work / f"{name}.json"
    log = work / f"{name}.log"
    worker = subprocess.Popen(
        [sys.executable, __file__, "--serve", mode, "--expect", str(expect), "--result", result],
        env=child_environment(settings),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    sampler = CpuSampler({"worker": worker.pid, "broker": broker_pid})
    sampler.start()
    try:
        deadline = time.monotonic() + 600
        while not result.exists():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"floor worker ({mode}) failed:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        time.sleep(0.3)  # one more CPU sample after the last batch
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        sampler.stop.set()
    figures = json.loads(result.read_text())
    first, last = figures["first"], figures["last"]
    return {
        "events": figures["events"],
        "batches": figures["batches"],
        "span": last - first,
        "worker": sampler.between("worker", first, last),
        "broker": sampler.between("broker", first, last),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=60_000)
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--serve", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--expect", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.expect, args.result)
        return
    work = scratch_folder("bench-floor-", args.keep)
    settings = partnership_settings(
        work, args.people, state_dir=work / "state", worker={"metrics_port": None}
    )
    broker = LocalBroker(settings.broker)
    broker.up(tie_to_parent=True, echo=False)
    try:
        broker_pid = broker.state().pid
        assert broker_pid is not None
        published = publish(settings, work / "synth" / "exports")
        print(f"{published:,} source events from a {args.people:,}-person synthetic partnership")
        measure(settings, "relay", "warm-up", published, broker_pid, work / "state")
        print("(the broker was warmed up first by one unmeasured relay over the same backlog)")
        for mode in args.modes:
            got = measure(settings, mode, mode, published, broker_pid, work / "state")
            events = got["events"]
            total = (got["worker"] + got["broker"]) / events * 1e6
            print(
                f"{mode:>6}: {events:,} events in {got['batches']:,} batches, "
                f"{got['span']:.2f} s = {events / got['span']:,.0f} events/s; CPU per event: "
                f"worker {got['worker'] / events * 1e6:,.0f} us, broker "
                f"{got['broker'] / events * 1e6:,.0f} us; two cores allow at most "
                f"{2e6 / total:,.0f} events/s"
            )
    finally:
        broker.down()
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
