"""Issue 7, item 6: the real Prometheus server scrapes real connectors with the project's own
scrape jobs and alert rules, and a partner that goes quiet fires HubPartnerSilent."""

from __future__ import annotations

from collections.abc import Callable

from hub.ops import dashboard
from tests.integration.ops.conftest import WatchedConnector
from tests.integration.ops.prometheus import PrometheusServer

SCHOOL_CADENCE_S = 5


def _value(server: PrometheusServer, expr: str) -> dict[str, float]:
    """The query's samples by partner label."""
    return {r["metric"].get("partner", ""): float(r["value"][1]) for r in server.query(expr)}


def test_prometheus_scrapes_the_hub_and_a_silent_partner_fires(
    watched_connector: Callable[..., WatchedConnector],
    prometheus: Callable[[dict[str, list[str]]], PrometheusServer],
) -> None:
    school = watched_connector(
        "school", HUB_CONNECTOR__EXPECTED_CADENCE_S__SCHOOL=str(SCHOOL_CADENCE_S)
    )
    police = watched_connector("police")  # default cadence: a day
    rows = sum(sum(1 for _ in f.open()) - 1 for f in school.drop.iterdir())
    server = prometheus({"hub-connector": [school.target, police.target]})

    server.wait_for(
        lambda: len(server.query('up{job="hub-connector"} == 1')) == 2,
        90,
        "both connectors to be scraped (up == 1)",
    )
    published = server.wait_for(
        lambda: (
            _value(server, "hub_connector_records_published_total").get("school", 0) > 0
            and _value(server, "hub_connector_records_read_total").get("school") == rows
            and _value(server, "hub_connector_records_published_total")
        ),
        90,
        "the school connector's publishes to be scraped",
    )
    assert published["school"] > 0
    assert _value(server, "hub_connector_expected_cadence_seconds") == {
        "school": SCHOOL_CADENCE_S,
        "police": 86400,
    }

    firing = server.wait_for(
        lambda: server.firing("HubPartnerSilent"),
        60,
        "HubPartnerSilent to fire for the school partner",
    )
    assert [a["partner"] for a in firing] == ["school"]
    assert firing[0]["severity"] == "warning"
    # Silence is counted from the school connector's last publish, which Prometheus saw.
    assert _value(server, "hub_connector_last_publish_timestamp_seconds")["school"] > 0
    silence = _value(server, "hub:connector_silence_seconds")
    assert silence["school"] > SCHOOL_CADENCE_S
    assert silence["police"] < 86400
    alert = next(
        a for a in server.api("alerts")["alerts"] if a["labels"]["alertname"] == "HubPartnerSilent"
    )
    assert alert["annotations"]["runbook_url"] == "docs/runbook.md#partner-silent"

    # A stopped process: up == 0 at once, HubProcessDown pending (it fires after 2 minutes).
    output = police.stop()
    assert police.proc.returncode == 0, output[-2000:]
    pending = server.wait_for(
        lambda: [
            a["labels"]
            for a in server.api("alerts")["alerts"]
            if a["labels"]["alertname"] == "HubProcessDown" and a["state"] == "pending"
        ],
        30,
        "HubProcessDown to be pending for the stopped police connector",
    )
    assert [(a["job"], a["instance"]) for a in pending] == [("hub-connector", police.target)]
    output = school.stop()
    assert school.proc.returncode == 0, output[-2000:]


def test_prometheus_evaluates_every_dashboard_query(
    prometheus: Callable[[dict[str, list[str]]], PrometheusServer],
) -> None:
    """Each panel's query runs on the real server (an empty result is fine: no data yet)."""
    server = prometheus({})
    for expr in dashboard.queries():
        for variable, value in dashboard.GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        server.query(expr)  # asserts status == success and a vector result
