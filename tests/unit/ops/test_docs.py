"""docs/operations.md lists every metric family of the contract and every alert rule."""

from __future__ import annotations

from hub.ops.contract import FAMILIES, RECORDED
from tests.unit.ops.rules import REPO, alerts

DOC = (REPO / "docs" / "operations.md").read_text()


def test_every_metric_family_is_documented() -> None:
    missing = [f.name for f in FAMILIES if f"`{f.name}`" not in DOC]
    missing += [name for name in RECORDED if f"`{name}`" not in DOC]
    assert missing == []


def test_every_alert_is_documented_with_its_severity() -> None:
    for alert in alerts():
        row = next((line for line in DOC.splitlines() if f"| `{alert['alert']}` |" in line), "")
        assert row, f"{alert['alert']} is not in the alert table"
        assert f"| {alert['labels']['severity']} |" in row
