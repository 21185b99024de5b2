"""The Grafana dashboard of the flow, built as data and written to deploy/grafana/dashboards/.

Written out by ``python -m hub.ops.dashboard`` (a test keeps the committed file equal to this
module's output), so panels are reviewed as a short list rather than 1,500 lines of JSON.
Every query names only metric families of the contract (hub.ops.contract).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

UID = "csp-hub-flow"
TITLE = "CSP hub flow"
RATE = "$__rate_interval"
FAILED = '{outcome=~"failed|dead_lettered"}'
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h"}
"""Grafana's built-in variables in the queries, with values that make them plain PromQL."""


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    kind: str = "timeseries"
    width: int = 12
    description: str = ""
    thresholds: tuple[tuple[float, str], ...] = field(default=())


def _rate(metric: str, by: str, selector: str = "") -> str:
    return f"sum by ({by}) (rate({metric}{selector}[{RATE}]))"


def _quantiles(metric: str, by: str) -> tuple[Query, ...]:
    return tuple(
        Query(
            f"histogram_quantile({q}, sum by ({by}, le) (rate({metric}_bucket[{RATE}])))",
            f"{{{{{by}}}}} p{round(q * 100)}",
        )
        for q in (0.5, 0.95, 0.99)
    )


def _q(expr: str, legend: str) -> tuple[Query, ...]:
    return (Query(expr, legend),)


ROWS: tuple[tuple[str, tuple[Panel, ...]], ...] = (
    (
        "Partners",
        (
            Panel(
                "Time since each partner last sent",
                (
                    Query("hub:connector_silence_seconds", "{{partner}} (connector)"),
                    Query(
                        "time() - hub_partner_last_event_timestamp_seconds", "{{partner}} (worker)"
                    ),
                ),
                unit="s",
                kind="bargauge",
                description="Connector: since its last acknowledged publish (or its start). "
                "Worker: since the last source event it read. HubPartnerSilent fires past the "
                "partner's expected cadence.",
                thresholds=((0, "green"), (43200, "orange"), (86400, "red")),
            ),
            Panel(
                "Expected cadence per partner",
                _q("hub_connector_expected_cadence_seconds", "{{partner}}"),
                unit="s",
                kind="bargauge",
                description="connector.expected_cadence_s: silence beyond this alerts.",
            ),
            Panel(
                "Rows read per partner",
                _q(_rate("hub_connector_records_read_total", "partner"), "{{partner}}"),
                unit="rps",
            ),
            Panel(
                "Events published per partner",
                _q(_rate("hub_connector_records_published_total", "partner"), "{{partner}}"),
                unit="rps",
            ),
            Panel(
                "Quarantined rows by reason",
                _q(
                    _rate("hub_connector_records_quarantined_total", "partner, reason"),
                    "{{partner}}: {{reason}}",
                ),
                unit="rps",
            ),
            Panel(
                "Duplicates skipped, files refused, outbox",
                (
                    Query(
                        _rate("hub_connector_duplicates_skipped_total", "partner"),
                        "{{partner}} duplicates/s",
                    ),
                    Query(
                        "sum by (partner) (increase(hub_connector_files_refused_total[1h]))",
                        "{{partner}} files refused (1h)",
                    ),
                    Query("sum by (partner) (hub_connector_outbox_events)", "{{partner}} outbox"),
                ),
            ),
            Panel(
                "Publish latency (batch to acks)",
                _quantiles("hub_connector_publish_latency_seconds", "partner"),
                unit="s",
                width=24,
            ),
        ),
    ),
    (
        "Stream stages",
        (
            Panel(
                "Consumer lag per stage",
                (
                    Query("sum by (stage) (hub_consumer_lag_messages)", "{{stage}}"),
                    Query("hub_worker_recovering", "{{instance}} recovering tables"),
                ),
                description="Highwater minus position, summed over partitions. While a worker "
                "recovers its tables (1), its lag is not updated.",
            ),
            Panel(
                "Events per stage and outcome",
                _q(_rate("hub_worker_events_total", "stage, outcome"), "{{stage}}: {{outcome}}"),
                unit="rps",
            ),
            Panel(
                "Linkage decisions",
                _q(_rate("hub_linkage_decisions_total", "method"), "{{method}}"),
                unit="rps",
                description="exact token, fuzzy (Bloom-filter Dice), new person, merge.",
            ),
            Panel(
                "Flags raised per rule",
                _q(_rate("hub_flags_raised_total", "rule"), "{{rule}}"),
                unit="rps",
            ),
            Panel(
                "Alerts routed per panel",
                _q(_rate("hub_alerts_routed_total", "panel"), "{{panel}}"),
                unit="rps",
            ),
            Panel(
                "Dead letters per stage",
                _q(
                    f"sum by (stage, reason_kind) (increase(hub_dead_letters_total[{RATE}]))",
                    "{{stage}}: {{reason_kind}}",
                ),
            ),
            Panel(
                "Stage latency (produced to output sent)",
                _quantiles("hub_stage_latency_seconds", "stage"),
                unit="s",
                width=24,
            ),
        ),
    ),
    (
        "Delivery to panels",
        (
            Panel(
                "Deliveries per channel and outcome",
                _q(
                    _rate("hub_deliveries_total", "channel, outcome"),
                    "{{channel}}: {{outcome}}",
                ),
                unit="rps",
            ),
            Panel(
                "Delivery failures per panel and channel",
                _q(
                    _rate("hub_deliveries_total", "panel, channel", FAILED),
                    "{{panel}} / {{channel}}",
                ),
                unit="rps",
            ),
            Panel(
                "Delivery latency (alert created to receipt)",
                _quantiles("hub_delivery_latency_seconds", "channel"),
                unit="s",
            ),
            Panel(
                "Oldest undelivered alert per panel",
                _q("max by (panel) (hub_oldest_undelivered_alert_age_seconds)", "{{panel}}"),
                unit="s",
                thresholds=((0, "green"), (900, "orange"), (1800, "red")),
            ),
            Panel(
                "Delivery offset commits failing for",
                _q("max(hub_delivery_offset_commits_failing_seconds)", "failing for"),
                unit="s",
                thresholds=((0, "green"), (60, "orange"), (300, "red")),
            ),
            Panel(
                "Inbox alerts by status",
                _q("sum by (panel, status) (hub_inbox_alerts)", "{{panel}}: {{status}}"),
            ),
            Panel(
                "Identity openings and logins",
                (
                    Query(
                        _rate("hub_inbox_identity_openings_total", "panel"),
                        "{{panel}} identities opened",
                    ),
                    Query(_rate("hub_inbox_logins_total", "outcome"), "logins {{outcome}}"),
                ),
                unit="rps",
            ),
        ),
    ),
    (
        "Processes and alerts",
        (
            Panel(
                "Hub processes up",
                (
                    Query('up{job=~"hub-.*"}', "{{job}} {{instance}} scraped"),
                    Query("hub_worker_up", "worker {{instance}} running"),
                ),
                kind="stat",
                thresholds=((0, "red"), (1, "green")),
            ),
            Panel(
                "Firing alerts",
                _q('sum by (alertname, severity) (ALERTS{alertstate="firing"})', "{{alertname}}"),
                kind="stat",
                thresholds=((0, "green"), (1, "red")),
                description="Rules: deploy/prometheus/rules/; what to do: docs/runbook.md.",
            ),
            Panel(
                "Measures of success (indicators)",
                _q("hub_indicator_ratio", "{{indicator}} {{area}}"),
                unit="percentunit",
                width=24,
                description="Aggregated indicators; suppressed cells are not exported.",
            ),
        ),
    ),
)


def queries() -> list[str]:
    """Every PromQL expression on the dashboard."""
    return [q.expr for _, panels in ROWS for p in panels for q in p.queries]


def _panel_json(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": panel.unit}
    if panel.thresholds:
        defaults["thresholds"] = {
            "mode": "absolute",
            "steps": [
                {"color": color, "value": None if i == 0 else value}
                for i, (value, color) in enumerate(panel.thresholds)
            ],
        }
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "gridPos": {"h": 8, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}},
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "expr": q.expr,
                "legendFormat": q.legend,
            }
            for i, q in enumerate(panel.queries)
        ],
    }


def dashboard() -> dict[str, Any]:
    """The dashboard's JSON model, laid out two panels a row (wide panels take a row)."""
    panels: list[dict[str, Any]] = []
    y = 0
    next_id = 1
    for title, row in ROWS:
        panels.append(
            {
                "id": next_id,
                "type": "row",
                "title": title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
                "panels": [],
            }
        )
        next_id += 1
        y += 1
        x = 0
        for panel in row:
            if x + panel.width > 24:
                x, y = 0, y + 8
            panels.append(_panel_json(panel, next_id, x, y))
            next_id += 1
            x += panel.width
        y += 8
    return {
        "uid": UID,
        "title": TITLE,
        "description": "The hub's flow: partners -> stream stages -> panels (docs/operations.md)",
        "tags": ["csp-hub"],
        "timezone": "browser",
        "editable": True,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                    "hide": 0,
                }
            ]
        },
        "annotations": {"list": []},
        "links": [],
        "panels": panels,
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
