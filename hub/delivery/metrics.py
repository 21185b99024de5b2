"""Delivery metrics (the metrics contract) and the /metrics + /healthz endpoint.

The ``panel`` label is the panel *family* (``engage``, not ``engage-E01900012``): areas are
many, families are eleven, and a label set must stay small and fixed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from hub.kafka.topics import PANELS

log = logging.getLogger(__name__)

OUTCOMES = ("delivered", "failed", "retried", "dead_lettered", "duplicate")
"""delivered: the receiver acknowledged; failed: one attempt failed (each attempt counts);
retried: another attempt follows a failure; dead_lettered: given up, on dlq.deliver;
duplicate: skipped, the ledger already held a final outcome."""


class InFlight:
    """Alerts read but without a final outcome on every channel: the oldest one's age."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str], tuple[str, float]] = {}

    def add(self, alert_id: str, panel: str, family: str, created_at: float) -> None:
        with self._lock:
            self._items[(alert_id, panel)] = (family, created_at)

    def done(self, alert_id: str, panel: str) -> None:
        with self._lock:
            self._items.pop((alert_id, panel), None)

    def oldest_age(self, family: str) -> float:
        with self._lock:
            times = [t for f, t in self._items.values() if f == family]
        return max(self._clock() - min(times), 0.0) if times else 0.0

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


class DeliveryMetrics:
    def __init__(self, registry: CollectorRegistry, in_flight: InFlight | None = None) -> None:
        self.registry = registry
        self.in_flight = in_flight if in_flight is not None else InFlight()
        self._deliveries = Counter(
            "hub_deliveries_total",
            "Delivery outcomes per panel family and channel",
            ["panel", "channel", "outcome"],
            registry=registry,
        )
        self._latency = Histogram(
            "hub_delivery_latency_seconds",
            "Alert created_at to the receiver's acknowledgement",
            ["channel"],
            registry=registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
        )
        oldest = Gauge(
            "hub_oldest_undelivered_alert_age_seconds",
            "Age of the oldest alert read but not yet delivered or dead-lettered on every "
            "channel (0 when none)",
            ["panel"],
            registry=registry,
        )
        for family in PANELS:
            oldest.labels(family).set_function(self._age_of(family))
        self.commits_failing = Gauge(
            "hub_delivery_offset_commits_failing_seconds",
            "How long the delivery consumer's offset commits have been failing (0 when the "
            "last one succeeded): a group stuck rebalancing",
            registry=registry,
        )

    def _age_of(self, family: str) -> Callable[[], float]:
        return lambda: self.in_flight.oldest_age(family)

    def outcome(self, family: str, channel: str, outcome: str) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown delivery outcome {outcome!r}")
        self._deliveries.labels(family, channel, outcome).inc()

    def latency(self, channel: str, seconds: float) -> None:
        self._latency.labels(channel).observe(max(seconds, 0.0))
