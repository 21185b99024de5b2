"""The worker's two stages over captured source events, without a broker: CPU per event, and
a digest of everything the stages sent and wrote.

``--capture FILE`` publishes a synthetic partnership through the five connectors on a broker of
its own (as ``bench_stream.py --steps`` does) and saves the source records; ``FILE`` alone then
runs the link stage and the rules stage (LinkedEvents handed over in-process) over them in
batches, as ``bench_stream.py --steps`` does, each run over fresh tables:

    .venv/bin/python bench/bench_steps_replay.py --capture /tmp/ev40k.pkl --people 40000
    .venv/bin/python bench/bench_steps_replay.py /tmp/ev40k.pkl [--repeat 3] [--worker-gc]

The clock the stages stamp their outputs with is fixed, so the digest (SHA-256 over every
record queued for Kafka, in order: outputs and table changelog records, which carry the table
contents) is the same from run to run and from one version of the code to the next as long
as the stages' outputs and state are: compare it before and after a change that must not
change behaviour. Publishing once and replaying also leaves the broker and the connectors
out of the measurement.

``--worker-gc`` collects garbage as ``hub worker`` does (hub.streams.collector: objects alive
at the start frozen, no full collection but the timer's); without it CPython's own policy
applies, as in ``bench_stream.py --steps``, whose full collections, each scanning every
imported module's objects too, are about a fifth of its figure. Time spent in collections is
printed per generation.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import os
import pickle
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_stream import (  # the same stand-ins, the same publishing
    _Event,
    _Message,
    drive_steps,
    publish,
)

FIXED_NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


class _FixedClock(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return FIXED_NOW


class _Recorder:
    """Stands in for the BatchSender: keeps what the stages would send, in order."""

    def __init__(self, partitions: dict[str, int]) -> None:
        from hub.streams.sender import key_partition

        self.partitions = partitions
        self.key_partition = key_partition
        self.records: list[tuple[Any, ...]] = []

    def add(self, topic: str, partition: int, key: Any, value: Any, headers: Any = None) -> None:
        self.records.append((topic, partition, key, value, headers))

    async def add_keyed(self, topic: str, key: bytes, value: bytes, headers: Any) -> None:
        self.add(topic, self.key_partition(key, self.partitions[topic]), key, value, headers)

    async def send(self, on_sent: Any = None, placed: Any = None) -> list[Any]:
        return []


def capture(out: Path, people: int) -> None:
    from scratch import partnership_settings, scratch_folder

    from hub.config import load_settings
    from hub.kafka.local import LocalBroker
    from hub.kafka.snapshot import read_to_end
    from hub.kafka.topics import PARTNERS

    work = scratch_folder("bench-replay-", False)
    base = partnership_settings(work, people)
    broker = LocalBroker(base.broker)
    broker.up(tie_to_parent=True, echo=False)
    try:
        settings = load_settings(
            broker=base.broker, state_dir=work / "state", connector={"keys_dir": work / "keys"}
        )
        publish(settings, work / "synth" / "exports")
        messages = [m for p in PARTNERS for m in read_to_end(settings, f"src.{p}", timeout_s=120)]
    finally:
        broker.down()
    messages.sort(key=lambda m: m.timestamp)
    rows = [
        (m.value, m.topic, m.partition, m.offset, m.timestamp / 1000, list(m.headers))
        for m in messages
    ]
    out.write_bytes(pickle.dumps(rows))
    print(f"{len(rows):,} source events from {people:,} people saved to {out}")


def replay(source: Path, repeat: int, worker_gc: bool) -> None:
    import hub.streams.link
    import hub.streams.rules
    from hub.config import load_settings
    from hub.kafka.topics import catalogue, topic_name
    from hub.streams.collector import Collector
    from hub.streams.worker import build

    hub.streams.link.datetime = _FixedClock  # type: ignore[misc]
    hub.streams.rules.datetime = _FixedClock  # type: ignore[misc]
    rows = pickle.loads(source.read_bytes())  # noqa: S301  # a file this script wrote
    events = [_Event(v, _Message(t, p, o, ts, h)) for v, t, p, o, ts, h in rows]
    collections = {0: 0.0, 1: 0.0, 2: 0.0}
    started_at = [0.0]

    def timed(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started_at[0] = time.process_time()
        else:
            collections[info["generation"]] += time.process_time() - started_at[0]

    gc.callbacks.append(timed)
    if worker_gc:
        Collector().defer()
    work = Path(tempfile.mkdtemp(prefix="bench-replay-"))
    totals: list[float] = []
    try:
        settings = load_settings(state_dir=work, worker={"metrics_port": None})
        size = settings.worker.batch_max_events
        partitions = {topic_name(s.name, settings.topic_prefix): s.partitions for s in catalogue()}
        for run in range(repeat):
            app = build(settings.model_copy(update={"state_dir": work / f"run-{run}"}))
            link, rules = app.hub_steps
            recorder = _Recorder(partitions)
            link.sender = rules.sender = recorder
            cpu = {"link": 0.0, "rules": 0.0}
            for generation in collections:
                collections[generation] = 0.0

            asyncio.run(drive_steps(link, rules, events, size, cpu))
            link_us, rules_us = (cpu[stage] / len(events) * 1e6 for stage in ("link", "rules"))
            totals.append(link_us + rules_us)
            gc_us = {g: round(t / len(events) * 1e6, 1) for g, t in collections.items()}
            digest = hashlib.sha256(repr(recorder.records).encode()).hexdigest()[:16]
            topics = [record[0] for record in recorder.records]
            flags = topics.count(topic_name("flags", settings.topic_prefix))
            alerts = sum(t.startswith(f"{settings.topic_prefix}alerts.") for t in topics)
            print(
                f"run {run + 1}: link {link_us:.1f} us + rules {rules_us:.1f} us = "
                f"{link_us + rules_us:.1f} us CPU per event (of which garbage collection, "
                f"per generation: {gc_us}); {flags:,} flags, {alerts:,} alerts, "
                f"{len(recorder.records):,} records in all, digest {digest}"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(
        f"{len(events):,} events, batches of {size:,}: least {min(totals):.1f} us, median "
        f"{statistics.median(totals):.1f} us; load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--capture", action="store_true", help="publish and save, then stop")
    parser.add_argument("--people", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker-gc", action="store_true", help="collect as hub worker does")
    args = parser.parse_args()
    if args.capture:
        capture(args.file, args.people)
    else:
        replay(args.file, args.repeat, args.worker_gc)


if __name__ == "__main__":
    main()
