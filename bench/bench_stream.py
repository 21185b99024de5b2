"""End-to-end throughput of one `hub worker` against the project's own broker.

A synthetic partnership is published through the five connectors first (a backlog), then one
worker starts; throughput is events over the span of Kafka timestamps on linked.events (the
link stage) and on flags and alerts (rules and routing), per second.

    .venv/bin/python bench/bench_stream.py [--people 20000]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from kafka import KafkaConsumer

from hub.config import HubSettings, child_environment, load_settings
from hub.connectors.runner import ConnectorRun
from hub.kafka.admin import apply_catalogue
from hub.kafka.client import kafka_python_config
from hub.kafka.local import LocalBroker, free_port
from hub.kafka.topics import PANELS, PARTNERS, topic_name
from hub.synth.exports import FOLDER_OF_PARTNER
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership


def timestamps(settings: HubSettings, topic: str) -> list[int]:
    consumer = KafkaConsumer(
        topic_name(topic, settings.topic_prefix),
        **kafka_python_config(settings),
        auto_offset_reset="earliest",
        consumer_timeout_ms=1500,
        enable_auto_commit=False,
    )
    found = [m.timestamp for m in consumer]
    consumer.close()
    return sorted(found)


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
    """The worker's CPU seconds (user + system) over wall time, sampled from /proc: on a
    shared machine the CPU a stage used per event says more than the wall clock."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.samples: list[tuple[float, float]] = []
        self.stop = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        while not self.stop.wait(0.1):
            try:
                fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return
            self.samples.append((time.time(), (int(fields[11]) + int(fields[12])) / self.tick))

    def between(self, start: float, end: float) -> float:
        inside = [cpu for t, cpu in self.samples if start - 0.1 <= t <= end + 0.1]
        return inside[-1] - inside[0] if len(inside) > 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--profile", type=Path, help="write the worker's cProfile stats here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    generate(SynthParams(people=args.people, seed=9), work / "synth")
    generate_partnership(work / "keys", list(PARTNERS), ["panels"])
    settings = load_settings(
        broker={"port": free_port(), "controller_port": free_port(), "data_dir": work / "kafka"},
        state_dir=work / "state",
        connector={"keys_dir": work / "keys"},
    )
    broker = LocalBroker(settings.broker)
    broker.up(tie_to_parent=True, echo=False)
    try:
        apply_catalogue(settings)
        published = 0
        for partner in PARTNERS:
            run = ConnectorRun(settings, partner)
            run.run_paths([work / "synth" / "exports" / FOLDER_OF_PARTNER[partner]])
            run.drain(60)
            run.close()
            published += run.summary.published
        env = child_environment(settings, HUB_WORKER__METRICS_PORT=str(free_port()))
        command = ["-m", "hub.cli.main", "worker"]
        if args.profile:  # CPU time, not wall time: the machine is shared
            command = ["-c", PROFILED.format(out=str(args.profile))]
        worker = subprocess.Popen(
            [sys.executable, *command],
            env=env,
            stdout=(work / "worker.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        sampler = CpuSampler(worker.pid)
        sampler.start()
        deadline = time.monotonic() + 900
        linked: list[int] = []
        while len(linked) < published and time.monotonic() < deadline:
            time.sleep(5)
            linked = timestamps(settings, "linked.events")
        time.sleep(15)  # let the rules stage drain
        flags = timestamps(settings, "flags")
        alerts = sorted(t for p in PANELS for t in timestamps(settings, f"alerts.{p}"))
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    finally:
        broker.down()
    sampler.stop.set()
    span = (linked[-1] - linked[0]) / 1000 if len(linked) > 1 else float("nan")
    rules_span = (
        (max(flags[-1], alerts[-1]) - linked[0]) / 1000 if flags and alerts else float("nan")
    )
    print(f"{published:,} source events from a {args.people:,}-person synthetic partnership")
    rate = len(linked) / span
    print(f"link stage:            {len(linked):,} linked in {span:.1f} s = {rate:,.0f} events/s")
    print(
        f"link + rules + route:  {len(flags):,} flags, {len(alerts):,} alerts; last output "
        f"{rules_span:.1f} s after the first link = {len(linked) / rules_span:,.0f} events/s"
    )
    link_cpu = sampler.between(linked[0] / 1000, linked[-1] / 1000)
    all_cpu = sampler.between(linked[0] / 1000, linked[0] / 1000 + rules_span)
    print(
        f"worker CPU while linking: {link_cpu:.1f} s; first link to last output: {all_cpu:.1f} s "
        f"= {all_cpu / len(linked) * 1e6:,.0f} us per event end to end, "
        f"{len(linked) / all_cpu:,.0f} events per CPU-second"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
