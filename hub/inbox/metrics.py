"""The inbox's Prometheus metrics (metrics contract): labels are panel families, statuses
and outcomes only, never a person, alert or user."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.kafka.topics import PANELS
from hub.routing.config import family_of

LOGIN_OUTCOMES = ("success", "bad_credentials", "locked")


class _AlertsGauge(Collector):
    """hub_inbox_alerts{panel,status}, counted in the store at scrape time."""

    def __init__(self, counts: Callable[[], dict[tuple[str, str], int]]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(
            "hub_inbox_alerts",
            "Alerts in the inbox by panel family and status",
            labels=["panel", "status"],
        )
        for (panel, status), count in sorted(self.counts().items()):
            gauge.add_metric([panel, status], count)
        yield gauge


class InboxMetrics:
    def __init__(
        self, registry: CollectorRegistry, counts: Callable[[], dict[tuple[str, str], int]]
    ) -> None:
        self.registry = registry
        self.openings = Counter(
            "hub_inbox_identity_openings",
            "Sealed identities opened, by panel family",
            ["panel"],
            registry=registry,
        )
        self.logins = Counter(
            "hub_inbox_logins", "Sign-in attempts by outcome", ["outcome"], registry=registry
        )
        for outcome in LOGIN_OUTCOMES:
            self.logins.labels(outcome)
        for family in PANELS:
            self.openings.labels(family)
        registry.register(_AlertsGauge(counts))

    def opened(self, panel: str) -> None:
        self.openings.labels(family_of(panel) or "default").inc()
