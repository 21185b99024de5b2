"""Indicators read from linked.events on the real broker match the offline path.

The real chain runs: every partner's connector publishes its synthetic export, a real
`hub worker` links the events and writes linked.events, then `read_linked` takes a snapshot
of the topic (and person.merges) and the report's figures are compared with those of the
same partnership linked offline (hub.indicators.offline).
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from hub.config import HubSettings
from hub.indicators.compute import Period
from hub.indicators.figures import publish
from hub.indicators.kafka_source import read_linked
from hub.indicators.metrics import IndicatorMetrics
from hub.indicators.offline import linked_events
from hub.indicators.population import load_population
from hub.indicators.report import ReportInfo, write_report
from hub.indicators.service import refresh
from hub.indicators.tables import TOTAL
from tests.integration.conftest import Partnership, publish_partnership
from tests.integration.processes import hub_worker, stop

PERIOD = Period(date(2025, 10, 1), date(2026, 9, 30))
RECORDS = ("sv_offences", "homicides", "victims", "suspects")


def test_report_from_linked_events_on_kafka_matches_the_offline_path(
    connector_settings: HubSettings, partnership: Partnership, tmp_path: Path
) -> None:
    settings = connector_settings
    published = publish_partnership(settings, partnership)
    log = tmp_path / "worker.log"
    worker = hub_worker(settings, log)
    try:
        deadline = time.monotonic() + 180
        while True:
            if worker.poll() is not None:
                pytest.fail(f"worker exited {worker.returncode}:\n{log.read_text()[-3000:]}")
            snapshot = read_linked(settings, timeout_s=60)
            if snapshot.read >= published:
                break
            if time.monotonic() > deadline:
                pytest.fail(f"{snapshot.read}/{published} linked:\n{log.read_text()[-3000:]}")
            time.sleep(2)
    finally:
        stop(worker)
    assert snapshot.undecodable == []

    population = load_population(partnership.root / "public" / "population.csv")
    streamed = publish(snapshot.events, population, PERIOD)
    offline = publish(linked_events(partnership.root, settings.connector), population, PERIOD)
    paths = write_report(streamed, tmp_path / "report", ReportInfo("linked.events"))
    assert paths["html"].stat().st_size > 0

    assert streamed.trends.keys() == offline.trends.keys()
    compared = 0
    for key, trend in streamed.trends.items():
        now, then = trend.current, offline.trends[key].current
        if key[0] in RECORDS:  # records: linkage order cannot change them
            assert now.value == then.value, key
            compared += now.value is not None
        elif now.value is not None and then.value is not None:
            # People: the worker links in arrival order, offline in event-time order, so a
            # person split or joined differently can move a repeat or an exclusion.
            assert now.value == pytest.approx(then.value, abs=0.03), key
            compared += 1
    assert compared > 20

    # The same figures as gauges, through the call a long-running process makes.
    registry = CollectorRegistry()
    refresh(settings, IndicatorMetrics(registry), population, end=PERIOD.end)
    share = streamed.trends[("victims_male_share", TOTAL)].current.value
    gauge = registry.get_sample_value(
        "hub_indicator_ratio", {"indicator": "victims_male_share", "area": TOTAL}
    )
    assert gauge == share
