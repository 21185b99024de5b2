"""The provisioned Grafana dashboard: valid, generated from hub.ops.dashboard, laid out without
overlaps, every query parsed by Prometheus's own parser, and only contract metrics on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.ops import dashboard
from hub.ops.contract import FAMILIES, series_names
from tests.unit.ops.promtool import promtool
from tests.unit.ops.rules import REPO, rules, series_in

DASHBOARD = REPO / "deploy" / "grafana" / "dashboards" / "hub.json"


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    loaded = json.loads(DASHBOARD.read_text())
    assert isinstance(loaded, dict)
    return loaded


def _panels(model: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in model["panels"] if p["type"] != "row"]


def test_the_committed_file_is_the_generator_s_output() -> None:
    assert DASHBOARD.read_text() == dashboard.render(), (
        "regenerate: python -m hub.ops.dashboard > deploy/grafana/dashboards/hub.json"
    )


def test_ids_are_unique_and_panels_do_not_overlap(model: dict[str, Any]) -> None:
    ids = [p["id"] for p in model["panels"]]
    assert len(ids) == len(set(ids))
    cells: set[tuple[int, int]] = set()
    for panel in model["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] >= 0
        assert pos["x"] + pos["w"] <= 24
        mine = {
            (x, y)
            for x in range(pos["x"], pos["x"] + pos["w"])
            for y in range(pos["y"], pos["y"] + pos["h"])
        }
        assert not mine & cells, f"{panel['title']} overlaps another panel"
        cells |= mine


def test_every_panel_queries_prometheus_through_the_datasource_variable(
    model: dict[str, Any],
) -> None:
    assert [v["name"] for v in model["templating"]["list"]] == ["datasource"]
    for panel in _panels(model):
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}"
            assert target["expr"].strip()


def test_queries_name_only_contract_metrics(model: dict[str, Any]) -> None:
    for panel in _panels(model):
        for target in panel["targets"]:
            used = series_in(target["expr"])
            assert used, f"{panel['title']}: no metric in {target['expr']}"
            assert used <= series_names(), f"{panel['title']}: {used - series_names()}"


def test_every_contract_family_is_on_the_dashboard() -> None:
    shown = set().union(*(series_in(q) for q in dashboard.queries()))
    for rule in rules():  # a recorded series shows what it is computed from
        if rule.get("record") in shown:
            shown |= series_in(rule["expr"])
    missing = [f.name for f in FAMILIES if f.name not in shown and f"{f.name}_bucket" not in shown]
    assert missing == []


def test_the_issue_s_views_are_there(model: dict[str, Any]) -> None:
    titles = " | ".join(p["title"] for p in _panels(model)).lower()
    for view in (
        "published per partner",
        "quarantined rows by reason",
        "lag per stage",
        "linkage decisions",
        "flags raised per rule",
        "alerts routed per panel",
        "deliveries per channel",
        "failures per panel and channel",
        "latency",
        "since each partner last sent",
    ):
        assert view in titles


def test_prometheus_parses_every_query(tmp_path: Path) -> None:
    """promtool parses each query as a recording rule: Prometheus's own PromQL parser."""
    rules = []
    for i, expr in enumerate(dashboard.queries()):
        for variable, value in dashboard.GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        rules.append({"record": f"dashboard:query_{i}", "expr": expr})
    file = tmp_path / "dashboard_queries.yml"
    file.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    output = promtool("check", "rules", file)
    assert f"{len(rules)} rules found" in output


def test_grafana_provisioning_loads_the_dashboard_folder() -> None:
    provider = yaml.safe_load((REPO / "deploy/grafana/provisioning/dashboards/hub.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    mounts = dict(v.split(":")[:2] for v in compose["services"]["grafana"]["volumes"])
    assert mounts["./deploy/grafana/dashboards"] == path
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    datasource = yaml.safe_load(
        (REPO / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text()
    )["datasources"][0]
    assert datasource["type"] == "prometheus"
    assert datasource["url"] == "http://prometheus:9090"
