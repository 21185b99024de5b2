"""One call for a long-running process (ops, the worker): read linked.events, refresh gauges.

``refresh`` takes the settings and an ``IndicatorMetrics`` built on the caller's registry,
so the gauges join that process's ``/metrics``; call it on a timer (the figures move slowly:
once an hour is plenty).
"""

from __future__ import annotations

from datetime import date

from hub.config import HubSettings
from hub.errors import ConfigurationError
from hub.indicators.compute import last_months, month_end
from hub.indicators.figures import Published, publish
from hub.indicators.kafka_source import read_linked
from hub.indicators.metrics import IndicatorMetrics
from hub.indicators.population import Population


def refresh(
    settings: HubSettings,
    metrics: IndicatorMetrics,
    population: Population,
    *,
    months: int = 12,
    end: date | None = None,
    threshold: int = 5,
    timeout_s: float = 120.0,
) -> Published:
    """Indicators for the ``months`` ending ``end`` (default: the latest event's month)."""
    snapshot = read_linked(settings, timeout_s)
    if not snapshot.events:
        raise ConfigurationError("no linked events to count")
    last = end or month_end(max(e.occurred_on for e in snapshot.events))
    pub = publish(snapshot.events, population, last_months(last, months), threshold=threshold)
    metrics.update(pub)
    return pub
