"""The indicators as Prometheus gauges, for the operations dashboard.

``hub_indicator_ratio{indicator,area}``: shares (0 to 1) and rates per resident (offences
divided by population; the dashboard multiplies by 1,000) for the current period. Aggregated
figures only, never per person; a withheld figure is not exported at all. The container takes
its registry, so tests and the worker choose where the gauges live.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge

from hub.indicators.figures import Published

#: Rates are exported per resident under these names (base unit: a ratio).
RATE_NAMES = {
    "sv_offence_rate": "sv_offences_per_resident",
    "homicide_rate": "homicides_per_resident",
}


class IndicatorMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.ratio = Gauge(
            "hub_indicator_ratio",
            "Partnership indicator for the current period: a share (0-1) or a rate per "
            "resident; withheld (small-number) figures are not exported.",
            ["indicator", "area"],
            registry=registry,
        )

    def update(self, pub: Published) -> int:
        """Replace every exported figure with ``pub``'s; return how many were exported."""
        self.ratio.clear()
        exported = 0
        for (indicator, area), trend in pub.trends.items():
            fig = trend.current
            if fig.kind == "count" or fig.value is None:
                continue
            value = fig.value / 1000 if fig.kind == "rate" else fig.value
            self.ratio.labels(RATE_NAMES.get(indicator, indicator), area).set(value)
            exported += 1
        return exported
