"""The connector exports each partner's expected cadence, which the silence alert compares to."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from hub.config import DEFAULT_CADENCE_S, load_settings
from hub.connectors.metrics import ConnectorMetrics
from hub.errors import ConfigurationError


def test_cadence_defaults_to_a_day_and_is_set_per_partner() -> None:
    settings = load_settings(connector={"expected_cadence_s": {"school": 604800}})
    assert settings.connector.cadence_for("school") == 604800
    assert settings.connector.cadence_for("police") == DEFAULT_CADENCE_S == 86400


def test_cadence_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_CONNECTOR__EXPECTED_CADENCE_S__ED", "3600")
    assert load_settings().connector.cadence_for("ed") == 3600


@pytest.mark.parametrize(
    ("cadences", "message"),
    [({"schools": 60}, "unknown partners"), ({"ed": 0}, "positive"), ({"ed": -5}, "positive")],
)
def test_bad_cadences_are_refused(cadences: dict[str, float], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings(connector={"expected_cadence_s": cadences})


def test_the_gauge_carries_the_partner_s_cadence_and_the_process_start() -> None:
    registry = CollectorRegistry()
    ConnectorMetrics(registry, "yjs", 120.0)
    cadence = registry.get_sample_value(
        "hub_connector_expected_cadence_seconds", {"partner": "yjs"}
    )
    assert cadence == 120.0
    started = registry.get_sample_value("process_start_time_seconds")
    assert started is not None
    assert started > 1.6e9  # a Unix time: the silence rule counts from it


def test_the_gauge_defaults_to_a_day() -> None:
    registry = CollectorRegistry()
    ConnectorMetrics(registry, "police")
    value = registry.get_sample_value(
        "hub_connector_expected_cadence_seconds", {"partner": "police"}
    )
    assert value == DEFAULT_CADENCE_S
