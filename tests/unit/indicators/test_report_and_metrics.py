"""The board's report (HTML and CSV) and the Prometheus gauges, from the seeded partnership."""

from __future__ import annotations

import csv
import re
import urllib.request
from pathlib import Path

from prometheus_client import CollectorRegistry

from hub.indicators.metrics import IndicatorMetrics
from hub.indicators.report import MARK, ReportInfo, write_report
from hub.indicators.tables import TOTAL
from hub.metrics_http import serve
from tests.unit.indicators.conftest import Linked


def test_report_is_self_contained_accessible_and_marks_withheld_cells(
    linked: Linked, tmp_path: Path
) -> None:
    paths = write_report(linked.published, tmp_path, ReportInfo("test partnership"))
    page = paths["html"].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB">' in page
    assert "<h1>" in page
    assert page.count("<caption>") >= 2
    assert not re.search(r"https?://|<script|<link|src=", page)  # nothing fetched
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svgs) == 3
    for svg in svgs:
        assert 'role="img"' in svg
        assert "<title" in svg
        assert "<desc" in svg
    assert MARK in page  # the small areas withhold something, with the footnote
    assert "withheld to protect confidentiality" in page


def test_csv_has_every_figure_and_no_withheld_number(linked: Linked, tmp_path: Path) -> None:
    paths = write_report(linked.published, tmp_path, ReportInfo("test partnership"))
    with paths["csv"].open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(linked.published.trends)
    by_key = {(r["indicator"], r["area"]): r for r in rows}
    for key, trend in linked.published.trends.items():
        row = by_key[key]
        if trend.current.suppressed:
            assert row["value"] == MARK
            assert row["numerator"] == ""
    with paths["tables"].open(encoding="utf-8") as handle:
        cells = list(csv.DictReader(handle))
    assert len(cells) == len(linked.published.cells)
    for cell in cells:
        if cell["count"] != MARK:
            assert not 0 < int(cell["count"]) < linked.published.threshold


def test_gauges_export_aggregates_and_never_a_withheld_figure(linked: Linked) -> None:
    registry = CollectorRegistry()
    exported = IndicatorMetrics(registry).update(linked.published)
    assert exported > 0
    share = linked.published.trends[("victims_male_share", TOTAL)].current.value
    value = registry.get_sample_value(
        "hub_indicator_ratio", {"indicator": "victims_male_share", "area": TOTAL}
    )
    assert value == share
    rate = registry.get_sample_value(
        "hub_indicator_ratio", {"indicator": "sv_offences_per_resident", "area": TOTAL}
    )
    assert rate is not None
    assert 0 < rate < 1
    for (indicator, area), trend in linked.published.trends.items():
        if trend.current.suppressed and trend.current.kind != "count":
            assert (
                registry.get_sample_value(
                    "hub_indicator_ratio", {"indicator": indicator, "area": area}
                )
                is None
            )


def test_gauges_are_served_with_a_health_endpoint(linked: Linked) -> None:
    registry = CollectorRegistry()
    IndicatorMetrics(registry).update(linked.published)
    server = serve(registry, 0, lambda: None)
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310
            assert response.read() == b"ok\n"
        with urllib.request.urlopen(f"{base}/metrics", timeout=5) as response:  # noqa: S310
            text = response.read().decode()
        assert 'hub_indicator_ratio{area="all",indicator="victims_male_share"}' in text
    finally:
        server.shutdown()
        server.server_close()


def test_cli_writes_the_report_and_prints_the_truth_beside(linked: Linked, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hub.cli.main import app

    result = CliRunner().invoke(
        app,
        ["indicators", "--synth", str(linked.root / "synth"), "--truth", "-o", str(tmp_path)],
        env={"HUB_CONNECTOR__KEYS_DIR": str(linked.root / "keys"), "COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "2025-10-01 to 2026-09-30" in result.output
    assert "truth" in result.output
    assert (tmp_path / "index.html").is_file()
    assert (tmp_path / "indicators.csv").is_file()
