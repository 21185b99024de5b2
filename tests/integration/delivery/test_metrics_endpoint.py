"""/metrics and /healthz over real HTTP: the contract's names, families as labels, the
oldest undelivered alert's age, and a 503 with a one-line reason."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from hub.delivery.metrics import DeliveryMetrics, InFlight
from hub.kafka.local import free_port
from hub.metrics_http import serve
from tests.integration.delivery.conftest import get


def test_metrics_and_health_endpoint() -> None:
    now = [1_800_000_000.0]
    in_flight = InFlight(clock=lambda: now[0])
    registry = CollectorRegistry()
    metrics = DeliveryMetrics(registry, in_flight)
    reason: list[str | None] = [None]
    port = free_port()
    server = serve(registry, port, lambda: reason[0])
    base = f"http://127.0.0.1:{port}"
    try:
        assert get(f"{base}/healthz") == (200, "ok\n")
        in_flight.add("a1", "engage-E01900012", "engage", now[0] - 100)
        in_flight.add("a2", "engage-E01900013", "engage", now[0] - 40)
        metrics.outcome("engage", "email", "delivered")
        metrics.latency("email", 0.2)
        status, text = get(f"{base}/metrics")
        assert status == 200
        lines = set(text.splitlines())
        assert 'hub_oldest_undelivered_alert_age_seconds{panel="engage"} 100.0' in lines
        assert 'hub_oldest_undelivered_alert_age_seconds{panel="iom"} 0.0' in lines
        assert (
            'hub_deliveries_total{channel="email",outcome="delivered",panel="engage"} 1.0' in lines
        )
        assert 'hub_delivery_latency_seconds_count{channel="email"} 1.0' in lines
        in_flight.done("a1", "engage-E01900012")
        assert (
            'hub_oldest_undelivered_alert_age_seconds{panel="engage"} 40.0'
            in get(f"{base}/metrics")[1]
        )
        reason[0] = "consumer loop has not run for 75s\nsecond line is dropped"
        assert get(f"{base}/healthz") == (503, "consumer loop has not run for 75s\n")
        assert get(f"{base}/other")[0] == 404
    finally:
        server.shutdown()
