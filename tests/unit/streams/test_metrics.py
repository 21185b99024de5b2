"""The worker's metrics container: contract names, fixed label sets, a fresh registry."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry

from hub.streams.metrics import WorkerMetrics


def test_series_exist_before_anything_happens() -> None:
    registry = CollectorRegistry()
    WorkerMetrics(registry)
    assert (
        registry.get_sample_value(
            "hub_worker_events_total", {"stage": "rules", "outcome": "duplicate"}
        )
        == 0
    )
    assert registry.get_sample_value("hub_linkage_decisions_total", {"method": "merge"}) == 0
    assert registry.get_sample_value("hub_consumer_lag_messages", {"stage": "link"}) == 0


def test_decisions_dead_letters_and_outcomes() -> None:
    registry = CollectorRegistry()
    metrics = WorkerMetrics(registry)
    metrics.decision("new_person")
    metrics.decision("exact", merges=2)
    metrics.dead_lettered("link", "SerializationError: not Avro single-object encoding")
    metrics.dead_lettered("rules", "")
    assert registry.get_sample_value("hub_linkage_decisions_total", {"method": "new"}) == 1
    assert registry.get_sample_value("hub_linkage_decisions_total", {"method": "exact"}) == 1
    assert registry.get_sample_value("hub_linkage_decisions_total", {"method": "merge"}) == 2
    assert (
        registry.get_sample_value(
            "hub_dead_letters_total", {"stage": "link", "reason_kind": "SerializationError"}
        )
        == 1
    )
    assert (
        registry.get_sample_value(
            "hub_dead_letters_total", {"stage": "rules", "reason_kind": "unknown"}
        )
        == 1
    )
    assert (
        registry.get_sample_value(
            "hub_worker_events_total", {"stage": "link", "outcome": "dead_lettered"}
        )
        == 1
    )


def test_a_batch_of_decisions_counts_as_the_decisions_one_by_one() -> None:
    one_by_one, batched = CollectorRegistry(), CollectorRegistry()
    metrics = WorkerMetrics(one_by_one)
    for method, merges in [("new_person", 0), ("exact", 2), ("exact", 0), ("fuzzy", 1)]:
        metrics.decision(method, merges)
    WorkerMetrics(batched).decided({"new_person": 1, "exact": 2, "fuzzy": 1}, 3)
    for method in ("new", "exact", "fuzzy", "merge"):
        labels = {"method": method}
        expected = one_by_one.get_sample_value("hub_linkage_decisions_total", labels)
        assert batched.get_sample_value("hub_linkage_decisions_total", labels) == expected
    assert batched.get_sample_value("hub_linkage_decisions_total", {"method": "merge"}) == 3


def test_the_recovering_gauge_follows_faust_s_recovery_at_scrape_time(tmp_path: Path) -> None:
    """Faust's timers (the lag gauge's among them) wait while it recovers the tables, so the
    gauge reads the app's state when scraped."""
    from hub.config import load_settings
    from hub.streams.worker import build

    registry = CollectorRegistry()
    app = build(load_settings(topic_prefix="p.", state_dir=tmp_path), registry)
    app.in_recovery = True
    assert registry.get_sample_value("hub_worker_recovering") == 1
    app.in_recovery = False
    assert registry.get_sample_value("hub_worker_recovering") == 0
