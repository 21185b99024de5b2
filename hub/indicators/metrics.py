"""The indicators as Prometheus gauges, for the operations dashboard.

``hub_indicator_ratio{indicator,area}``: shares (0 to 1) and rates per resident (offences
divided by population; the dashboard multiplies by 1,000) for the current period. Aggregated
figures only, never per person; a withheld figure is not exported at all. The container takes
its registry, so tests and the worker choose where the gauges live.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, Gauge, make_wsgi_app

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


def metrics_app(registry: CollectorRegistry) -> Callable[..., Iterable[bytes]]:
    """``/metrics`` from the registry and ``/healthz`` (200 "ok"), on one port."""
    metrics = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        return metrics(environ, start_response)  # type: ignore[no-any-return]

    return app


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(registry: CollectorRegistry, port: int, host: str = "0.0.0.0") -> WSGIServer:  # noqa: S104
    """Serve in a daemon thread; the caller shuts the returned server down."""
    server = make_server(host, port, metrics_app(registry), handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="indicator-metrics", daemon=True).start()
    return server
