"""A connector's Prometheus metrics, in one container with an injected registry.

Labels come from small fixed sets (partner, reason): never a person, event or record id.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector

from hub.config import DEFAULT_CADENCE_S


class ConnectorMetrics:
    def __init__(
        self,
        registry: CollectorRegistry,
        partner: str,
        expected_cadence_s: float = DEFAULT_CADENCE_S,
    ) -> None:
        self.partner = partner
        # process_start_time_seconds: "silent since the connector started" when it has not
        # published yet (deploy/prometheus/rules/hub.yml, HubPartnerSilent).
        ProcessCollector(registry=registry)
        self.expected_cadence = Gauge(
            "hub_connector_expected_cadence_seconds",
            "Longest normal gap between this partner's publishes (connector.expected_cadence_s)",
            ["partner"],
            registry=registry,
        ).labels(partner)
        self.expected_cadence.set(expected_cadence_s)
        self.read = Counter(
            "hub_connector_records_read_total",
            "Rows read from the partner's export",
            ["partner"],
            registry=registry,
        ).labels(partner)
        self.published = Counter(
            "hub_connector_records_published_total",
            "Events Kafka acknowledged",
            ["partner"],
            registry=registry,
        ).labels(partner)
        self._quarantined = Counter(
            "hub_connector_records_quarantined_total",
            "Rows kept back, by reason kind",
            ["partner", "reason"],
            registry=registry,
        )
        self.duplicates = Counter(
            "hub_connector_duplicates_skipped_total",
            "Records whose event id was already published or queued",
            ["partner"],
            registry=registry,
        ).labels(partner)
        self.files_refused = Counter(
            "hub_connector_files_refused_total",
            "Input files refused as a whole",
            ["partner"],
            registry=registry,
        ).labels(partner)
        self.publish_latency = Histogram(
            "hub_connector_publish_latency_seconds",
            "Time to send a batch and get its acks",
            ["partner"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        ).labels(partner)
        self.last_publish = Gauge(
            "hub_connector_last_publish_timestamp_seconds",
            "Unix time of the last acknowledged publish",
            ["partner"],
            registry=registry,
        ).labels(partner)
        self.outbox = Gauge(
            "hub_connector_outbox_events",
            "Events stored but not yet acknowledged by Kafka",
            ["partner"],
            registry=registry,
        ).labels(partner)

    def quarantined(self, reason: str) -> None:
        self._quarantined.labels(self.partner, reason).inc()
