"""End-to-end throughput of one `hub worker` against the project's own broker.

A synthetic partnership is published through the five connectors first (a backlog), then one
worker starts; throughput is events over the span of Kafka timestamps on linked.events (the
link stage) and on flags and alerts (rules and routing), per second.

    .venv/bin/python bench/bench_stream.py [--people 20000]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20_000)
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
        env = child_environment(settings)
        worker = subprocess.Popen(
            [sys.executable, "-m", "hub.cli.main", "worker"],
            env=env,
            stdout=(work / "worker.log").open("w"),
            stderr=subprocess.STDOUT,
        )
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


if __name__ == "__main__":
    main()
