"""The hub's stream layer: one Faust app, two agents, thin wrappers around pure logic.

- ``hub-link`` reads the five source topics (one partition each: linkage needs one order and
  one global index, docs/scaling.md), links each event (hub.linkage) with its state in a
  one-partition RocksDB table, and writes a LinkedEvent keyed by person to linked.events
  (hub.streams.link).
- ``hub-rules`` reads linked.events and person.merges (partitioned by person), keeps each
  person's timeline, repeat-interval memory and merge redirects in tables, evaluates the
  policy (hub.rules), routes flags to panels (hub.routing), and writes flags and panel alerts
  (hub.streams.rules).

Both agents work in batches (hub.streams.batch): the pure work per event, one write per table
key per batch, outputs sent together, poison events dead-lettered before the batch is
acknowledged. docs/streams.md gives the at-least-once argument and the tuning.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import faust
from prometheus_client import CollectorRegistry

from hub.config import HubSettings
from hub.contracts.codec import Codec
from hub.kafka.topics import PANELS, PARTNERS, STAGES, catalogue, topic_name
from hub.metrics_http import Health
from hub.routing.config import DEFAULT_ROUTING, load_routing
from hub.rules.policy import DEFAULT_POLICY, load_policy
from hub.streams.app import create_app
from hub.streams.batch import run_batches
from hub.streams.collector import FULL_EVERY_S, Collector
from hub.streams.handover import Handover, skip_copies
from hub.streams.link import LinkStep
from hub.streams.metrics import WorkerMetrics
from hub.streams.rules import LOCAL_LINKED, LOCAL_MERGE, RulesStep
from hub.streams.sender import BatchSender, key_partition
from hub.streams.state import TableBatch
from hub.streams.sweep import Sweeper

log = logging.getLogger(__name__)

PERSON_PARTITIONS = {s.name: s.partitions for s in catalogue()}["linked.events"]
#: Linkage state keys the link stage keeps as Python objects between batches. Few: a large
#: population is read all over, so RocksDB's block cache (bounded in bytes, worker.rocksdb)
#: does the caching; 200,000 of them cost about 300 MB at a million people
#: (bench/bench_worker_memory.py, docs/scaling.md).
LINKAGE_CACHE_ENTRIES = 20_000


def _raw_topic(app: faust.App, *names: str) -> Any:
    """Values stay bytes: the agents decode inside the dead-letter guard, never before."""
    return app.topic(*names, key_serializer="raw", value_serializer="raw")


def person_partition(person_id: str, partitions: int = PERSON_PARTITIONS) -> int:
    """The partition of linked.events (and of the person tables) a person id lands in: the
    producer's default partitioner (murmur2 of the key, as Kafka's Java client)."""
    return key_partition(person_id.encode(), partitions)


def build(
    settings: HubSettings,
    registry: CollectorRegistry | None = None,
    health: Health | None = None,
    clock: Callable[[], date] | None = None,
    handover: bool = True,
    collector: Collector | None = None,
) -> faust.App:
    """The worker's app. ``handover`` lets the link stage evaluate the rules for local people
    in-process (hub.streams.handover) instead of through linked.events: on a quiet machine
    p99 to the alert at 1,000 events/s fell from 295 to 189 ms (docs/streams.md). ``False``
    sends everything through Kafka to the rules agent, as before. ``collector`` (the
    `hub worker` process passes one) takes full garbage collections off the batches and onto
    a timer (hub.streams.collector)."""
    policy = load_policy(settings.rules.policy_file or DEFAULT_POLICY)
    routing = load_routing(settings.rules.routing_file or DEFAULT_ROUTING)
    prefix = settings.topic_prefix
    tuning = settings.worker
    app = create_app(
        settings,
        "hub-worker",
        broker_commit_interval=tuning.commit_interval_s,
        broker_session_timeout=tuning.session_timeout_s,
        broker_commit_every=10 * tuning.batch_max_events,
        producer_max_batch_size=256 * 1024,
    )
    codec = Codec()
    metrics = WorkerMetrics(registry or CollectorRegistry())
    health = health or Health()
    app.hub_metrics = metrics  # type: ignore[attr-defined]

    source_names = [topic_name(f"src.{p}", prefix) for p in PARTNERS]
    linked_name = topic_name("linked.events", prefix)
    sources = _raw_topic(app, *source_names)
    merges_name = topic_name("person.merges", prefix)
    person_topics = _raw_topic(app, linked_name, merges_name)
    dlq = {s: _raw_topic(app, topic_name(f"dlq.{s}", prefix)) for s in STAGES}

    # Values are bytes to Faust (``value_type=bytes``: its "raw" codec): the worker writes
    # them as MessagePack behind a marker byte (hub.streams.state), which Faust's default
    # JSON codec cannot decode, and Faust decodes every changelog record it recovers. With
    # JSON, a worker recovering a partition (a new worker after a rebalance, a lost disk)
    # dropped every record with "Error in recovery" and never finished recovering.
    linkage_state = app.Table("hub-linkage-state", partitions=1, value_type=bytes)
    timelines = app.Table("hub-timelines", partitions=PERSON_PARTITIONS, value_type=bytes)
    alerted = app.Table("hub-alerted", partitions=PERSON_PARTITIONS, value_type=bytes)
    redirects = app.Table("hub-person-redirects", partitions=PERSON_PARTITIONS, value_type=bytes)

    rules_lock = asyncio.Lock()
    link_step = LinkStep(
        codec,
        TableBatch(linkage_state, lambda _key: 0, cache_entries=LINKAGE_CACHE_ENTRIES),
        BatchSender(app),
        linked_name,
        merges_name,
        metrics,
    )
    rules_step = RulesStep(
        codec,
        policy,
        routing,
        TableBatch(timelines, person_partition),
        TableBatch(alerted, person_partition),
        TableBatch(redirects, person_partition),
        merges_name,
        BatchSender(app),
        topic_name("flags", prefix),
        {p: topic_name(f"alerts.{p}", prefix) for p in PANELS},
        metrics,
    )

    if handover:
        link_step.handover = Handover(
            app, rules_step, rules_lock, linked_name, merges_name, person_partition
        )
        skip_copies(app, rules_step, {linked_name: LOCAL_LINKED, merges_name: LOCAL_MERGE})
    cached = (link_step.state, rules_step.timelines, rules_step.alerted, rules_step.redirects)

    async def forget_cached(_sender: Any, /, *_args: Any, signal: Any, **_kwargs: Any) -> None:
        # Sent after Faust's tables took the new assignment and before their recovery:
        # a partition held again may have been written by another worker in between
        # (tests/integration/streams/test_rebalance.py).
        for batch in cached:
            batch.forget()

    app.on_partitions_assigned.connect(forget_cached)
    sweeper = Sweeper(rules_step, clock or (lambda: datetime.now(UTC).date()))

    async def guarded_agent(stream: Any, stage: str, step: Any) -> None:
        try:
            await run_batches(
                stream,
                stage,
                dlq[stage],
                step,
                max_events=tuning.batch_max_events,
                within_s=tuning.batch_within_s,
                # The rules agent's lag counts the copies the handover skips: only the link
                # agent lingers on a backlog then (hub.streams.batch.batches).
                backlog_within_s=(
                    tuning.batch_backlog_within_s if stage == "link" or not handover else 0.0
                ),
                on_dead_letter=lambda letter: metrics.dead_lettered(stage, letter.reason),
                lock=rules_lock if stage == "rules" else None,
            )
        except BaseException as exc:
            health.set(f"{stage} agent stopped: {type(exc).__name__}")
            raise

    @app.agent(sources, name="hub-link")
    async def link_agent(stream: Any) -> None:
        try:
            await guarded_agent(stream, "link", link_step)
        finally:
            if link_step.handover is not None:
                link_step.handover.stop()

    @app.agent(person_topics, name="hub-rules")
    async def rules_agent(stream: Any) -> None:
        await guarded_agent(stream, "rules", rules_step)

    @app.timer(interval=tuning.sweep_interval_s, name="hub-rules-sweep")  # type: ignore[untyped-decorator]
    async def sweep() -> None:
        if not app.consumer.assignment():
            return  # no person partitions here (yet)
        async with rules_lock:
            await sweeper.run()

    stage_of = {**dict.fromkeys(source_names, "link"), linked_name: "rules", merges_name: "rules"}

    @app.timer(interval=5.0, name="hub-worker-lag")  # type: ignore[untyped-decorator]
    async def lag() -> None:
        assigned = app.consumer.assignment()
        if not assigned:
            health.set("no partitions assigned")
            return
        if health.reason in ("starting", "no partitions assigned"):
            health.set(None)
        highwaters = await app.consumer.highwaters(*assigned)
        totals = {"link": 0, "rules": 0}
        for tp in assigned:
            stage = stage_of.get(tp.topic)
            if stage is None:
                continue
            position = await app.consumer.position(tp)
            if position is not None and highwaters.get(tp) is not None:
                totals[stage] += max(0, highwaters[tp] - position)
        for stage, total in totals.items():
            metrics.lag.labels(stage).set(total)

    if collector is not None:
        gc_collector = collector

        @app.task  # type: ignore[untyped-decorator]
        async def defer_collections() -> None:
            gc_collector.defer()

        @app.timer(interval=FULL_EVERY_S, name="hub-worker-gc")  # type: ignore[untyped-decorator]
        async def collect() -> None:
            gc_collector.collect()

    # Read at scrape time: timers and the lag gauge wait while Faust recovers the tables.
    metrics.recovering.set_function(lambda: 1.0 if app.in_recovery else 0.0)
    app.hub_steps = (link_step, rules_step)  # type: ignore[attr-defined]  # bench_stream --steps
    metrics.up.set(1)
    return app
