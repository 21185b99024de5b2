"""The worker's Prometheus metrics, in one container with an injected registry.

Names and labels follow /work/shared/metrics-contract.md as written into docs/streams.md.
Labels come from small fixed sets (stage, outcome, method, rule, panel family, partner, the
kind of a dead letter's reason): never a person, event or record id.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

STAGES = ("link", "rules")
OUTCOMES = ("linked", "evaluated", "duplicate", "dead_lettered")
METHODS = {"exact": "exact", "fuzzy": "fuzzy", "new_person": "new", "merge": "merge"}
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.events = Counter(
            "hub_worker_events_total",
            "Events each stage finished, by outcome",
            ["stage", "outcome"],
            registry=registry,
        )
        self.decisions = Counter(
            "hub_linkage_decisions_total",
            "Linkage decisions by method; merge counts person ids merged into another",
            ["method"],
            registry=registry,
        )
        self.flags = Counter(
            "hub_flags_raised_total", "Flags raised, by rule", ["rule"], registry=registry
        )
        self.alerts = Counter(
            "hub_alerts_routed_total",
            "Alerts published, by panel family",
            ["panel"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "hub_dead_letters_total",
            "Records sent to a dead-letter topic, by stage and kind of reason",
            ["stage", "reason_kind"],
            registry=registry,
        )
        self.latency = Histogram(
            "hub_stage_latency_seconds",
            "From the input event's Kafka timestamp to the stage's output sent",
            ["stage"],
            registry=registry,
            buckets=LATENCY_BUCKETS,
        )
        self.partner_last_event = Gauge(
            "hub_partner_last_event_timestamp_seconds",
            "Kafka timestamp of the last source event the worker saw, per partner",
            ["partner"],
            registry=registry,
        )
        self.lag = Gauge(
            "hub_consumer_lag_messages",
            "High watermark minus position, summed over the stage's partitions",
            ["stage"],
            registry=registry,
        )
        self.up = Gauge("hub_worker_up", "1 while the worker runs", registry=registry)
        self.recovering = Gauge(
            "hub_worker_recovering",
            "1 while the worker reads its tables back from their changelogs; its stages wait",
            registry=registry,
        )
        for stage in STAGES:  # every series exists from the start, so rates work at once
            for outcome in OUTCOMES:
                self.events.labels(stage, outcome)
            self.latency.labels(stage)
            self.lag.labels(stage)
        for method in METHODS.values():
            self.decisions.labels(method)

    def decision(self, method: str, merges: int = 0) -> None:
        self.decisions.labels(METHODS.get(method, method)).inc()
        if merges:
            self.decisions.labels("merge").inc(merges)

    def decided(self, methods: dict[str, int], merges: int) -> None:
        """A batch's decisions: how many per method, and how many ids were merged away."""
        for method, n in methods.items():
            self.decisions.labels(METHODS.get(method, method)).inc(n)
        if merges:
            self.decisions.labels("merge").inc(merges)

    def dead_lettered(self, stage: str, reason: str) -> None:
        """``reason`` starts with the exception type (hub.streams.deadletter.describe)."""
        kind = reason.split(":", 1)[0].strip() or "unknown"
        self.dead_letters.labels(stage, kind[:64]).inc()
        self.events.labels(stage, "dead_lettered").inc()
