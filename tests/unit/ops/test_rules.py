"""Every alert is actionable (severity, summary, description, a runbook section that exists),
queries only contract metrics, and has promtool unit tests that fire it and keep it quiet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.ops.contract import series_names
from tests.unit.ops.rules import REPO, alerts, rules, runbook_anchors, series_in

EXPECTED = {
    "HubPartnerSilent",
    "HubQuarantineRateHigh",
    "HubConsumerLagGrowing",
    "HubStageStalled",
    "HubWorkerRecoveryLong",
    "HubDeadLetters",
    "HubDeliveriesFailing",
    "HubDeliveryDeadLettered",
    "HubAlertUndeliveredTooLong",
    "HubDeliveryCommitsStalled",
    "HubProcessDown",
}


def test_the_issue_s_alerts_are_all_there() -> None:
    assert {a["alert"] for a in alerts()} == EXPECTED


@pytest.mark.parametrize("alert", alerts(), ids=lambda a: a["alert"])
def test_each_alert_is_actionable(alert: dict[str, Any]) -> None:
    assert alert["labels"]["severity"] in {"critical", "warning"}
    notes = alert["annotations"]
    assert notes["summary"].strip()
    assert len(notes["description"]) > len(notes["summary"])
    path, _, anchor = notes["runbook_url"].partition("#")
    assert (REPO / path).is_file()
    assert anchor in runbook_anchors(), f"docs/runbook.md has no section #{anchor}"


@pytest.mark.parametrize("rule", rules(), ids=lambda r: r.get("alert") or r["record"])
def test_rules_query_only_contract_metrics(rule: dict[str, Any]) -> None:
    used = series_in(rule["expr"])
    assert used, "no metric recognised in the expression"
    assert used <= series_names(), f"not in the metrics contract: {used - series_names()}"


def test_series_in_finds_names_and_ignores_label_values() -> None:
    expr = 'sum by (panel) (rate(hub_deliveries_total{outcome="hub_fake"}[5m])) / up'
    assert series_in(expr) == {"hub_deliveries_total", "up"}


def _alert_tests() -> list[dict[str, Any]]:
    found = []
    for file in sorted(Path(REPO / "deploy" / "prometheus" / "tests").glob("*.yml")):
        for case in yaml.safe_load(file.read_text())["tests"]:
            found.extend(case.get("alert_rule_test", []))
    return found


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_alert_has_tests_that_fire_it_and_keep_it_quiet(name: str) -> None:
    cases = [t for t in _alert_tests() if t["alertname"] == name]
    assert any(t.get("exp_alerts") for t in cases), f"no promtool test fires {name}"
    assert any(not t.get("exp_alerts") for t in cases), f"no promtool test keeps {name} quiet"
