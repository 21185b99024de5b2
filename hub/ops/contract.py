"""The metrics and ports contract, as data: which process serves which metric families where.

Every hub process serves Prometheus ``/metrics`` (and ``/healthz``) on one port. The scrape
configuration, the alert rules and the Grafana dashboard name only families listed here, and
tests hold them to it; docs/operations.md describes them for operators.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["counter", "gauge", "histogram"]


@dataclass(frozen=True)
class Family:
    """One metric family: its full name (with ``_total`` for counters) and its labels."""

    name: str
    kind: Kind
    labels: tuple[str, ...]
    process: str
    help: str


CONNECTOR_PORTS: dict[str, int] = {
    "police": 9101,
    "ed": 9102,
    "prison": 9103,
    "school": 9104,
    "yjs": 9105,
}
PROCESS_PORTS: dict[str, int] = {"worker": 9110, "delivery": 9111, "inbox": 8080}
"""Default ports; each is a setting the process can override."""

JOBS: dict[str, str] = {
    "connector": "hub-connector",
    "worker": "hub-worker",
    "delivery": "hub-delivery",
    "inbox": "hub-inbox",
}
"""Scrape job names (deploy/prometheus/prometheus.yml); HubProcessDown watches ``hub-.*``."""


def _f(name: str, kind: Kind, labels: str, process: str, help: str) -> Family:
    return Family(name, kind, tuple(labels.split()), process, help)


FAMILIES: tuple[Family, ...] = (
    _f("hub_connector_records_read_total", "counter", "partner", "connector", "rows read"),
    _f(
        "hub_connector_records_published_total",
        "counter",
        "partner",
        "connector",
        "events Kafka acknowledged",
    ),
    _f(
        "hub_connector_records_quarantined_total",
        "counter",
        "partner reason",
        "connector",
        "rows kept back, by reason kind",
    ),
    _f(
        "hub_connector_duplicates_skipped_total",
        "counter",
        "partner",
        "connector",
        "rows whose event was already published",
    ),
    _f(
        "hub_connector_files_refused_total",
        "counter",
        "partner",
        "connector",
        "input files refused whole",
    ),
    _f(
        "hub_connector_publish_latency_seconds",
        "histogram",
        "partner",
        "connector",
        "time to send a batch and get its acks",
    ),
    _f(
        "hub_connector_last_publish_timestamp_seconds",
        "gauge",
        "partner",
        "connector",
        "Unix time of the last acknowledged publish (0: none since start)",
    ),
    _f(
        "hub_connector_outbox_events",
        "gauge",
        "partner",
        "connector",
        "events stored, not yet acknowledged",
    ),
    _f(
        "hub_connector_expected_cadence_seconds",
        "gauge",
        "partner",
        "connector",
        "longest normal gap between publishes (connector.expected_cadence_s)",
    ),
    _f(
        "hub_worker_events_total",
        "counter",
        "stage outcome",
        "worker",
        "events by stage (link, rules) and outcome",
    ),
    _f(
        "hub_linkage_decisions_total",
        "counter",
        "method",
        "worker",
        "linkage decisions: exact, fuzzy, new, merge",
    ),
    _f("hub_flags_raised_total", "counter", "rule", "worker", "flags raised per rule"),
    _f("hub_alerts_routed_total", "counter", "panel", "worker", "alerts routed per panel family"),
    _f(
        "hub_dead_letters_total",
        "counter",
        "stage reason_kind",
        "worker",
        "records dead-lettered per stage",
    ),
    _f(
        "hub_stage_latency_seconds",
        "histogram",
        "stage",
        "worker",
        "event produced-at to stage output sent",
    ),
    _f(
        "hub_partner_last_event_timestamp_seconds",
        "gauge",
        "partner",
        "worker",
        "last source event the worker saw",
    ),
    _f(
        "hub_consumer_lag_messages",
        "gauge",
        "stage",
        "worker",
        "highwater minus position, summed over partitions",
    ),
    _f("hub_worker_up", "gauge", "", "worker", "1 while the worker runs"),
    _f(
        "hub_worker_recovering",
        "gauge",
        "",
        "worker",
        "1 while the worker reads its tables back from their changelogs",
    ),
    _f(
        "hub_deliveries_total",
        "counter",
        "panel channel outcome",
        "delivery",
        "delivery attempts by outcome",
    ),
    _f(
        "hub_delivery_latency_seconds",
        "histogram",
        "channel",
        "delivery",
        "alert created to receipt",
    ),
    _f(
        "hub_oldest_undelivered_alert_age_seconds",
        "gauge",
        "panel",
        "delivery",
        "age of the oldest alert not yet delivered",
    ),
    _f(
        "hub_delivery_offset_commits_failing_seconds",
        "gauge",
        "",
        "delivery",
        "how long offset commits have failed (0 when they succeed)",
    ),
    _f("hub_inbox_alerts", "gauge", "panel status", "inbox", "alerts in the inbox by status"),
    _f(
        "hub_inbox_identity_openings_total",
        "counter",
        "panel",
        "inbox",
        "sealed identities opened (audited)",
    ),
    _f("hub_inbox_logins_total", "counter", "outcome", "inbox", "inbox logins by outcome"),
    _f(
        "hub_indicator_ratio",
        "gauge",
        "indicator area",
        "indicators",
        "the partnership's measures of success, aggregated",
    ),
)

RECORDED: tuple[str, ...] = ("hub:connector_silence_seconds",)
"""Series the project's recording rules (deploy/prometheus/rules/) add."""


def series_names() -> set[str]:
    """Every series name a rule or panel may query: families, their histogram and
    process series, recording rules, and Prometheus's own ``up`` and ``ALERTS``."""
    names = {"up", "ALERTS", "process_start_time_seconds", *RECORDED}
    for family in FAMILIES:
        names.add(family.name)
        if family.kind == "histogram":
            names |= {family.name + s for s in ("_bucket", "_sum", "_count")}
    return names
