"""Latency of one `hub worker` at a steady publish rate, against the project's own broker.

A synthetic partnership goes through the five connectors' real encoding path into staging
topics first (so encoding cost is not part of the measurement); those encoded events are then
published at ``--rate`` events/s, interleaved across partners, to the source topics of a running
worker. Latency is from a source event's Kafka timestamp (set when it was published) to the
Kafka timestamp of what the worker published for it: its LinkedEvent, and every flag and alert
whose newest evidence it was.

    .venv/bin/python bench/bench_latency.py [--people 40000] [--rate 1000]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from hub.config import HubSettings, child_environment, load_settings
from hub.connectors.runner import ConnectorRun
from hub.contracts.codec import Codec
from hub.kafka.admin import apply_catalogue
from hub.kafka.client import kafka_python_config, producer_config
from hub.kafka.local import LocalBroker, free_port
from hub.kafka.topics import PANELS, PARTNERS, topic_name
from hub.synth.exports import FOLDER_OF_PARTNER
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership

Record = tuple[str, bytes | None, bytes, list[tuple[str, bytes]]]


def read_all(settings: HubSettings, topic: str, idle_ms: int = 10_000) -> Iterator[object]:
    """Every record of ``topic`` up to its end offsets when called. ``idle_ms`` only guards
    against a stall: stopping at the first idle gap (as this once did) lost records of
    partitions whose fetch came back late on a loaded machine."""
    consumer = KafkaConsumer(
        **kafka_python_config(settings), enable_auto_commit=False, consumer_timeout_ms=idle_ms
    )
    name = topic_name(topic, settings.topic_prefix)
    partitions = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    ends = {tp: end for tp, end in consumer.end_offsets(partitions).items() if end > 0}
    while ends:
        batch = consumer.poll(timeout_ms=idle_ms)
        if not batch:
            raise SystemExit(f"no records from {name} for {idle_ms} ms, {ends} still to read")
        for tp, messages in batch.items():
            for message in messages:
                if tp in ends and message.offset < ends[tp]:
                    yield message
            if tp in ends and consumer.position(tp) >= ends[tp]:
                del ends[tp]
    consumer.close()


def staged(settings: HubSettings, seed: int) -> list[Record]:
    """The encoded source events, interleaved across partners as a city's day would mix them."""
    per_partner = []
    for partner in PARTNERS:
        records = [
            (f"src.{partner}", m.key, m.value, list(m.headers))  # type: ignore[attr-defined]
            for m in read_all(settings, f"src.{partner}")
        ]
        per_partner.append(records)
    merged = [r for records in per_partner for r in records]
    random.Random(seed).shuffle(merged)
    return merged


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=40_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="events per second")
    parser.add_argument("--warmup", type=int, default=500, help="events before measuring")
    parser.add_argument("--trace", type=Path, help="write one JSON line per flag and alert here")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-latency-"))
    generate(SynthParams(people=args.people, seed=9), work / "synth")
    generate_partnership(work / "keys", list(PARTNERS), ["panels"])
    settings = load_settings(
        broker={"port": free_port(), "controller_port": free_port(), "data_dir": work / "kafka"},
        state_dir=work / "state",
        connector={"keys_dir": work / "keys"},
        topic_prefix="live.",
    )
    stage = settings.model_copy(update={"topic_prefix": "stage."})
    broker = LocalBroker(settings.broker)
    broker.up(tie_to_parent=True, echo=False)
    try:
        apply_catalogue(settings)
        apply_catalogue(stage)
        for partner in PARTNERS:
            run = ConnectorRun(stage, partner)
            run.run_paths([work / "synth" / "exports" / FOLDER_OF_PARTNER[partner]])
            run.drain(60)
            run.close()
        records = staged(stage, seed=3)
        port = free_port()
        env = child_environment(
            settings, HUB_WORKER__METRICS_PORT=str(port), HUB_WORKER__METRICS_HOST="127.0.0.1"
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "hub.cli.main", "worker"],
            env=env,
            stdout=(work / "worker.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        try:
            published, window = publish(settings, records, args.rate, args.warmup, worker.pid)
            busy = cpu_seconds(worker.pid)
            time.sleep(10)  # let the worker drain what is in flight
            report(settings, published, records, args)
            if args.trace:
                trace(settings, published, args.trace)
            worker_view(port)
            print(
                f"worker CPU while publishing: {busy - window[1]:.1f} s in {window[0]:.1f} s = "
                f"{(busy - window[1]) / window[0]:.0%} of one core, "
                f"{(busy - window[1]) / len(published) * 1e6:,.0f} us per event"
            )
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
    finally:
        broker.down()
    print(f"worker log: {work / 'worker.log'}")


def worker_view(port: int) -> None:
    """The worker's own histogram (hub_stage_latency_seconds): from the input's Kafka
    timestamp to the output sent, so time spent before the worker fetched it is included."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for stage in ("link", "rules"):
        buckets = []
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if (
                    sample.name == "hub_stage_latency_seconds_bucket"
                    and sample.labels["stage"] == stage
                ):
                    buckets.append((float(sample.labels["le"]), sample.value))
        buckets.sort()
        total = buckets[-1][1] if buckets else 0
        summary = []
        for q in (0.5, 0.99):
            bound = next((le for le, count in buckets if count >= q * total), float("nan"))
            summary.append(f"p{int(q * 100)} <= {bound * 1000:.0f} ms")
        print(f"worker's view, {stage} stage (n={total:,.0f}): {', '.join(summary)}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def publish(
    settings: HubSettings, records: list[Record], rate: float, warmup: int, worker_pid: int
) -> tuple[dict[str, int], tuple[float, float]]:
    """Warm up (the worker joins its group and recovers), then publish at ``rate``; returns
    event id -> publish timestamp (ms) of the measured events."""
    producer = KafkaProducer(**{**producer_config(settings), "linger_ms": 0})
    prefix = settings.topic_prefix

    def send(record: Record) -> int:
        topic, key, value, headers = record
        now = int(time.time() * 1000)
        producer.send(prefix + topic, key=key, value=value, headers=headers, timestamp_ms=now)
        return now

    for record in records[:warmup]:
        send(record)
    producer.flush()
    warm_ids = {dict(r[3])["ce_id"].decode() for r in records[:warmup]}
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # wait until the worker has linked the warm-up
        seen = {dict(m.headers)["ce_id"].decode() for m in read_all(settings, "linked.events")}  # type: ignore[attr-defined]
        if warm_ids <= seen:
            break
        time.sleep(1)
    else:
        raise SystemExit("the worker did not link the warm-up events within 300 s")
    published: dict[str, int] = {}
    cpu_at_start = cpu_seconds(worker_pid)
    start = time.monotonic()
    for n, record in enumerate(records[warmup:]):
        due = start + n / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        event_id = dict(record[3])["ce_id"].decode()
        published[event_id] = send(record)
    producer.flush()
    elapsed = time.monotonic() - start
    producer.close()
    rate_now = len(published) / elapsed
    print(f"published {len(published):,} events in {elapsed:.1f} s = {rate_now:,.0f}/s")
    return published, (elapsed, cpu_at_start)


def report(
    settings: HubSettings,
    published: dict[str, int],
    records: list[Record],
    args: argparse.Namespace,
) -> None:
    codec = Codec()
    linked = []
    for m in read_all(settings, "linked.events"):
        event_id = dict(m.headers)["ce_id"].decode()  # type: ignore[attr-defined]
        if event_id in published:
            linked.append((m.timestamp - published[event_id]) / 1000)  # type: ignore[attr-defined]
    outputs = []
    for topic in ["flags", *(f"alerts.{p}" for p in PANELS)]:
        for m in read_all(settings, topic):
            _, value = codec.decode(m.value)  # type: ignore[attr-defined]
            times = [published.get(e["event_id"]) for e in value["evidence"]]
            known = [t for t in times if t is not None]
            if known:  # the newest evidence event published in the measured window
                outputs.append((m.timestamp - max(known)) / 1000)  # type: ignore[attr-defined]
    print(
        f"{len(records):,} encoded source events from a {args.people:,}-person synthetic "
        f"partnership; {len(published):,} measured at {args.rate:,.0f}/s"
    )
    for name, values in (("linked event", linked), ("flag or alert", outputs)):
        print(
            f"{name:14s} n={len(values):6,}  p50 {percentile(values, 0.50) * 1000:6.0f} ms  "
            f"p95 {percentile(values, 0.95) * 1000:6.0f} ms  "
            f"p99 {percentile(values, 0.99) * 1000:6.0f} ms  "
            f"max {max(values, default=float('nan')) * 1000:6.0f} ms"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def trace(settings: HubSettings, published: dict[str, int], path: Path) -> None:
    """Per flag and alert: its evidence, the person's merges and LinkedEvents, earlier
    copies of the same id; to find where a late one's time went."""
    import json

    codec = Codec()
    linked: dict[str, tuple[int, str]] = {}
    for m in read_all(settings, "linked.events"):
        _, value = codec.decode(m.value)  # type: ignore[attr-defined]
        linked[value["event_id"]] = (m.timestamp, value["person_id"])  # type: ignore[attr-defined]
    merges = []
    for m in read_all(settings, "person.merges"):
        _, value = codec.decode(m.value)  # type: ignore[attr-defined]
        merges.append(
            {
                "ts": m.timestamp,  # type: ignore[attr-defined]
                "surviving": value["surviving_id"],
                "merged": value["merged_id"],
                "evidence": value["evidence_event_id"],
                "evidence_published": published.get(value["evidence_event_id"]),
            }
        )
    by_person: dict[str, list[str]] = {}
    for event_id, (_, person) in linked.items():
        by_person.setdefault(person, []).append(event_id)
    first_seen: dict[str, int] = {}
    with path.open("w") as out:
        for topic in ["flags", *(f"alerts.{p}" for p in PANELS)]:
            for m in read_all(settings, topic):
                _, value = codec.decode(m.value)  # type: ignore[attr-defined]
                oid = value.get("flag_id") or value.get("alert_id")
                person = value["person_id"]
                group = {person} | {x["merged"] for x in merges if x["surviving"] == person}
                events = [
                    {
                        "id": e,
                        "published": published.get(e),
                        "linked_ts": linked[e][0],
                        "person": linked[e][1],
                    }
                    for p in group
                    for e in by_person.get(p, [])
                ]
                record = {
                    "topic": topic,
                    "id": oid,
                    "ts": m.timestamp,  # type: ignore[attr-defined]
                    "rules": value.get("rules") or [value.get("rule_id")],
                    "person": person,
                    "evidence": [
                        {
                            "id": e["event_id"],
                            "published": published.get(e["event_id"]),
                            "linked_ts": linked.get(e["event_id"], (None,))[0],
                        }
                        for e in value["evidence"]
                    ],
                    "first_seen": first_seen.setdefault(oid, m.timestamp),  # type: ignore[attr-defined]
                    "merges": [
                        x for x in merges if x["surviving"] == person or x["merged"] == person
                    ],
                    "person_events": sorted(events, key=lambda e: e["linked_ts"]),
                }
                out.write(json.dumps(record) + "\n")
    print(f"trace: {path}")


if __name__ == "__main__":
    main()
