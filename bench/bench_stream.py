"""End-to-end throughput of one `hub worker` against the project's own broker.

A synthetic partnership is published through the five connectors first (a backlog), then one
worker starts; throughput is events over the span of Kafka timestamps on linked.events (the
link stage) and on flags and alerts (rules and routing), per second.

    .venv/bin/python bench/bench_stream.py [--people 20000] [--no-warm-up] [--steps]

``--steps`` runs the worker's two stages over the same published events in this process
instead, without the consumer, Faust's delivery or the producer (outputs are counted, not
sent; table state goes to the tables' RocksDB as in the worker): the CPU per event of the
stages' own work (decode, link, rules, route, encode, state), which other processes on a
shared machine disturb far less than the end-to-end figure.

A broker in service is warm; a fresh JVM spends seconds of CPU compiling Kafka's hot paths
(1.1-2.2 s measured during the 20,000-person run), on the same two cores as the worker. So
the same flow first runs once, unmeasured, over a smaller partnership on topics of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scratch import partnership_settings, scratch_folder

from hub.config import HubSettings, child_environment, load_settings
from hub.connectors.runner import ConnectorRun
from hub.kafka.admin import apply_catalogue
from hub.kafka.local import LocalBroker, free_port
from hub.kafka.snapshot import read_to_end
from hub.kafka.topics import PANELS, PARTNERS, catalogue, topic_name
from hub.streams.batch import run_pure
from hub.streams.sender import key_partition
from hub.streams.worker import build
from hub.synth.exports import FOLDER_OF_PARTNER
from hub.synth.generator import generate
from hub.synth.params import SynthParams


def timestamps(settings: HubSettings, topic: str) -> list[int]:
    """Kafka timestamps of every record up to the topic's end offsets."""
    return sorted(m.timestamp for m in read_to_end(settings, topic, timeout_s=120))


PROFILED = """
import cProfile, runpy, sys, time
sys.argv = ["hub", "worker"]
profile = cProfile.Profile(time.process_time)
try:
    profile.runcall(runpy.run_module, "hub.cli.main", run_name="__main__")
except SystemExit:
    pass
finally:
    profile.dump_stats({out!r})
"""


class CpuSampler(threading.Thread):
    """CPU seconds (user + system) of some processes over wall time, sampled from /proc: on a
    shared machine the CPU a stage used per event says more than the wall clock."""

    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.samples: list[tuple[float, dict[str, float]]] = []
        self.stop = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        while not self.stop.wait(0.1):
            try:
                now = {name: self._cpu(pid) for name, pid in self.pids.items()}
            except OSError:
                return
            self.samples.append((time.time(), now))

    def _cpu(self, pid: int) -> float:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / self.tick

    def between(self, name: str, start: float, end: float) -> float:
        inside = [cpu[name] for t, cpu in self.samples if start - 0.1 <= t <= end + 0.1]
        return inside[-1] - inside[0] if len(inside) > 1 else float("nan")


@dataclass
class Round:
    published: int
    linked: list[int]
    flags: list[int]
    alerts: list[int]
    sampler: CpuSampler


def publish(settings: HubSettings, exports: Path) -> int:
    """Publish a partnership through the five connectors (a backlog); the events published."""
    apply_catalogue(settings)
    published = 0
    for partner in PARTNERS:
        run = ConnectorRun(settings, partner)
        run.run_paths([exports / FOLDER_OF_PARTNER[partner]])
        run.drain(60)
        run.close()
        published += run.summary.published
    return published


@dataclass
class _Message:
    topic: str
    partition: int
    offset: int
    timestamp: float
    headers: list[tuple[str, bytes]]


@dataclass
class _Event:
    value: bytes
    message: _Message


@dataclass
class _Counter:
    """Stands in for the BatchSender: counts what the stages would send."""

    partitions: dict[str, int]
    records: dict[str, int] = field(default_factory=dict)

    def add(self, topic: str, partition: int, key: Any, value: Any, headers: Any = None) -> None:
        self.records[topic] = self.records.get(topic, 0) + 1

    async def add_keyed(self, topic: str, key: bytes, value: bytes, headers: Any) -> None:
        self.add(topic, key_partition(key, self.partitions[topic]), key, value, headers)

    async def send(self, on_sent: Any = None, placed: Any = None) -> list[Any]:
        return []


async def drive_steps(
    link: Any, rules: Any, events: list[Any], size: int, cpu: dict[str, float]
) -> None:
    """Both stages over ``events`` in batches of ``size``, LinkedEvents handed over in-process
    as the worker does; each stage's CPU seconds are added to ``cpu``."""
    for start in range(0, len(events), size):
        batch = events[start : start + size]
        started = time.process_time()
        run_pure(link, batch)
        await link.commit()
        local, link._local = link._local, []
        handed = time.process_time()
        failed = run_pure(rules, local)
        await rules.commit()
        rules.handed_over([item.key for n, item in enumerate(local) if n not in failed])
        done = time.process_time()
        cpu["link"] += handed - started
        cpu["rules"] += done - handed


def steps_round(settings: HubSettings, exports: Path, profile: Path | None, repeat: int) -> None:
    """The worker's two stages over the published events, in this process (module doc);
    ``repeat`` times, each over fresh tables, and the least CPU of the runs counts (other
    processes on the machine only ever add to it)."""
    published = publish(settings, exports)
    messages = [m for p in PARTNERS for m in read_to_end(settings, f"src.{p}", timeout_s=120)]
    messages.sort(key=lambda m: m.timestamp)
    events = [
        _Event(m.value, _Message(m.topic, m.partition, m.offset, m.timestamp / 1000, m.headers))
        for m in messages
    ]
    print(f"{published:,} source events; {len(events):,} read back and run through both stages")
    size = settings.worker.batch_max_events
    prefix = settings.topic_prefix
    runs: list[tuple[float, float]] = []
    for run in range(repeat):
        app = build(settings.model_copy(update={"state_dir": settings.state_dir / f"run-{run}"}))
        link, rules = app.hub_steps
        counter = _Counter({topic_name(s.name, prefix): s.partitions for s in catalogue()})
        link.sender = rules.sender = counter
        cpu = {"link": 0.0, "rules": 0.0}

        if profile and run == 0:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
            profiler.runcall(asyncio.run, drive_steps(link, rules, events, size, cpu))
            profiler.dump_stats(profile)
        else:
            asyncio.run(drive_steps(link, rules, events, size, cpu))
        out = counter.records
        link_us, rules_us = (cpu[stage] / len(events) * 1e6 for stage in ("link", "rules"))
        runs.append((link_us, rules_us))
        print(
            f"run {run + 1}: {out.get(topic_name('linked.events', prefix), 0):,} LinkedEvents, "
            f"{out.get(topic_name('flags', prefix), 0):,} flags, "
            f"{sum(out.get(topic_name(f'alerts.{p}', prefix), 0) for p in PANELS):,} alerts; "
            f"CPU per event: link {link_us:.1f} us, rules {rules_us:.1f} us, "
            f"both {link_us + rules_us:.1f} us"
        )
    link_us, rules_us = min(r[0] for r in runs), min(r[1] for r in runs)
    print(
        f"CPU per event, least of {repeat} (process time, batches of {size:,}): "
        f"link {link_us:.1f} us, rules {rules_us:.1f} us, both {min(sum(r) for r in runs):.1f} us"
    )


def one_round(settings: HubSettings, exports: Path, broker_pid: int, profile: Path | None) -> Round:
    """Publish a partnership through the five connectors (a backlog), then let one worker
    link it and raise its flags and alerts."""
    published = publish(settings, exports)
    env = child_environment(settings, HUB_WORKER__METRICS_PORT=str(free_port()))
    command = ["-m", "hub.cli.main", "worker"]
    if profile:  # CPU time, not wall time: the machine is shared
        command = ["-c", PROFILED.format(out=str(profile))]
    worker = subprocess.Popen(
        [sys.executable, *command],
        env=env,
        stdout=(settings.state_dir / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    sampler = CpuSampler({"worker": worker.pid, "broker": broker_pid})
    sampler.start()
    try:
        deadline = time.monotonic() + 900
        linked: list[int] = []
        while len(linked) < published and time.monotonic() < deadline:
            time.sleep(5)
            linked = timestamps(settings, "linked.events")
        time.sleep(15)  # let the rules stage drain
        flags = timestamps(settings, "flags")
        alerts = sorted(t for p in PANELS for t in timestamps(settings, f"alerts.{p}"))
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
        sampler.stop.set()
    return Round(published, linked, flags, alerts, sampler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--profile", type=Path, help="write the worker's cProfile stats here")
    parser.add_argument(
        "--no-warm-up", dest="warm_up", action="store_false", help="measure on a cold broker"
    )
    parser.add_argument(
        "--steps",
        action="store_true",
        help="run the two stages in this process, without Kafka delivery (module doc)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="--steps runs (the least counts)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    work = scratch_folder("bench-stream-", args.keep)
    base = partnership_settings(work, args.people)
    broker = LocalBroker(base.broker)
    broker.up(tie_to_parent=True, echo=False)
    try:
        broker_pid = broker.state().pid
        assert broker_pid is not None
        if args.steps:
            steps = load_settings(
                broker=base.broker,
                state_dir=work / "state",
                connector={"keys_dir": work / "keys"},
                worker={"metrics_port": None},
            )
            steps_round(steps, work / "synth" / "exports", args.profile, args.repeat)
            return
        if args.warm_up:
            generate(SynthParams(people=10_000, seed=10), work / "warm-up")
            warm = load_settings(
                broker=base.broker,
                state_dir=work / "state-warm-up",
                topic_prefix="warm-up.",
                connector={"keys_dir": work / "keys"},
            )
            one_round(warm, work / "warm-up" / "exports", broker_pid, None)
        measured = load_settings(
            broker=base.broker, state_dir=work / "state", connector={"keys_dir": work / "keys"}
        )
        result = one_round(measured, work / "synth" / "exports", broker_pid, args.profile)
    finally:
        broker.down()
    linked, flags, alerts, sampler = result.linked, result.flags, result.alerts, result.sampler
    print(f"{result.published:,} source events from a {args.people:,}-person synthetic partnership")
    if args.warm_up:
        print("(the broker was warmed up first by the same flow over a 10,000-person partnership)")
    span = (linked[-1] - linked[0]) / 1000 if len(linked) > 1 else float("nan")
    rules_span = (
        (max(flags[-1], alerts[-1]) - linked[0]) / 1000 if flags and alerts else float("nan")
    )
    rate = len(linked) / span
    print(f"link stage:            {len(linked):,} linked in {span:.1f} s = {rate:,.0f} events/s")
    print(
        f"link + rules + route:  {len(flags):,} flags, {len(alerts):,} alerts; last output "
        f"{rules_span:.1f} s after the first link = {len(linked) / rules_span:,.0f} events/s"
    )
    link_cpu = sampler.between("worker", linked[0] / 1000, linked[-1] / 1000)
    all_cpu = sampler.between("worker", linked[0] / 1000, linked[0] / 1000 + rules_span)
    broker_cpu = sampler.between("broker", linked[0] / 1000, linked[0] / 1000 + rules_span)
    print(
        f"worker CPU while linking: {link_cpu:.1f} s; first link to last output: {all_cpu:.1f} s "
        f"= {all_cpu / len(linked) * 1e6:,.0f} us per event end to end, "
        f"{len(linked) / all_cpu:,.0f} events per CPU-second"
    )
    print(
        f"broker JVM CPU over the same span: {broker_cpu:.1f} s = "
        f"{broker_cpu / len(linked) * 1e6:,.0f} us per event (same two cores as the worker)"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
