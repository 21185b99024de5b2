"""Latency of one `hub worker` at a steady publish rate, against the project's own broker.

A synthetic partnership goes through the five connectors' real encoding path into staging
topics first (so encoding cost is not part of the measurement); those encoded events are then
published at ``--rate`` events/s, interleaved across partners, to the source topics of a running
worker. Latency is from a source event's Kafka timestamp (set when it was published) to the
Kafka timestamp of what the worker published for it: its LinkedEvent, and every flag and alert
it made true (``made_true``: the newest of the evidence and of the events that proved the merges
which brought evidence to the person; the first copy of each flag or alert id). Alerts (what a
panel receives, the issue's target) and flags are reported apart.

    .venv/bin/python bench/bench_latency.py [--people 40000] [--rate 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families
from scratch import partnership_settings, scratch_folder

from hub.config import HubSettings, child_environment
from hub.connectors.runner import ConnectorRun
from hub.contracts.codec import Codec
from hub.kafka.admin import apply_catalogue
from hub.kafka.client import kafka_python_config, producer_config
from hub.kafka.local import LocalBroker, free_port
from hub.kafka.topics import PANELS, PARTNERS, topic_name
from hub.synth.exports import FOLDER_OF_PARTNER

Record = tuple[str, bytes | None, bytes, list[tuple[str, bytes]]]


def read_all(settings: HubSettings, topic: str, idle_ms: int = 10_000) -> Iterator[Any]:
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
            (f"src.{partner}", m.key, m.value, list(m.headers))
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
    parser.add_argument(
        "--trace",
        type=Path,
        help="write each measured flag and alert (its cause, latency) here as JSON lines",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    work = scratch_folder("bench-latency-", args.keep)
    settings = partnership_settings(
        work, args.people, state_dir=work / "state", topic_prefix="live."
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
    if args.keep:
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
        seen = {dict(m.headers)["ce_id"].decode() for m in read_all(settings, "linked.events")}
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
    linked: dict[str, tuple[int, str]] = {}  # event id -> LinkedEvent timestamp, person id
    for m in read_all(settings, "linked.events"):
        event_id = dict(m.headers)["ce_id"].decode()
        linked.setdefault(event_id, (m.timestamp, m.key.decode()))
    merged_into: dict[str, tuple[str, str]] = {}  # merged id -> surviving id, evidence event
    for m in read_all(settings, "person.merges"):
        _, value = codec.decode(m.value)
        merged_into.setdefault(
            value["merged_id"], (value["surviving_id"], value["evidence_event_id"])
        )
    latencies: dict[str, list[float]] = {"linked event": [], "alert": [], "flag": []}
    for event_id, (timestamp, _person) in linked.items():
        if event_id in published:
            latencies["linked event"].append((timestamp - published[event_id]) / 1000)
    seen: set[str] = set()
    repeats = by_merge = 0
    traced = []
    for topic in ["flags", *(f"alerts.{p}" for p in PANELS)]:
        kind = "flag" if topic == "flags" else "alert"
        for m in read_all(settings, topic):
            _, value = codec.decode(m.value)
            output_id = value["flag_id"] if kind == "flag" else value["alert_id"]
            if output_id in seen:  # a copy of one published before (a merge re-evaluates)
                repeats += 1
                continue
            seen.add(output_id)
            made = made_true(value, published, linked, merged_into)
            if made is None:
                continue  # made true by warm-up events only
            when, cause, merge = made
            by_merge += merge
            latencies[kind].append((m.timestamp - when) / 1000)
            traced.append(
                {
                    "topic": topic,
                    "id": output_id,
                    "person": value["person_id"],
                    "rules": value.get("rules") or [value.get("rule_id")],
                    "ts": m.timestamp,
                    "cause": cause,
                    "by_merge": merge,
                    "latency_ms": m.timestamp - when,
                    "evidence": [e["event_id"] for e in value["evidence"]],
                }
            )
    print(
        f"{len(records):,} encoded source events from a {args.people:,}-person synthetic "
        f"partnership; {len(published):,} measured at {args.rate:,.0f}/s"
    )
    for name, values in latencies.items():
        print(
            f"{name:14s} n={len(values):6,}  p50 {percentile(values, 0.50) * 1000:6.0f} ms  "
            f"p95 {percentile(values, 0.95) * 1000:6.0f} ms  "
            f"p99 {percentile(values, 0.99) * 1000:6.0f} ms  "
            f"max {max(values, default=float('nan')) * 1000:6.0f} ms"
        )
    print(
        f"flags and alerts made true by a merge (measured from the event that proved it): "
        f"{by_merge:,}; copies of an id published before (not measured again): {repeats:,}"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.trace:
        args.trace.write_text("".join(json.dumps(t) + "\n" for t in traced))
        print(f"per-output trace: {args.trace}")


def made_true(
    output: dict[str, Any],
    published: dict[str, int],
    linked: dict[str, tuple[int, str]],
    merged_into: dict[str, tuple[str, str]],
) -> tuple[int, str, bool] | None:
    """When the hub could first know ``output`` (a FlagRaised or PanelAlert) was true: the
    publish time of the newest event among its evidence and, for evidence linked to a person
    since merged into the output's person, the events that proved each merge on the way.

    The rules stage raises a flag for a person only over that person's timeline; an event
    linked to another person id joins it only when the merge is applied, so such a flag
    cannot be raised before the event proving the merge arrives. Measuring it from its
    evidence alone charged the worker with the time between the evidence and the merge
    (seconds, in the synthetic stream): a flag raised by a merge that re-evaluated an earlier
    person's history. Returns (time, event id, whether a merge was the cause), or None when
    every candidate event was published before the measured window.
    """
    candidates: dict[str, bool] = {}
    for evidence in output["evidence"]:
        event_id = evidence["event_id"]
        candidates.setdefault(event_id, False)
        person = linked.get(event_id, (0, output["person_id"]))[1]
        proofs: list[str] = []
        while person != output["person_id"] and person in merged_into and len(proofs) < 100:
            person, proof = merged_into[person]
            proofs.append(proof)
        if person == output["person_id"]:  # only merges that brought it to this person
            candidates.update(dict.fromkeys(proofs, True))
    known = [(published[e], e, merge) for e, merge in candidates.items() if e in published]
    return max(known) if known else None


if __name__ == "__main__":
    main()
