"""observe_all gives the histogram observe gives, value by value."""

from __future__ import annotations

import math

from prometheus_client import CollectorRegistry, Histogram

from hub.streams.observe import observe_all

AMOUNTS = [0.0, 0.001, 0.005, 0.0051, 0.3, 0.25, 2.5, 10.0, 11.0, 1e9, 0.75, 0.75, math.nan]


def _samples(registry: CollectorRegistry) -> dict[tuple[str, str], float]:
    out = {}
    for metric in registry.collect():
        for sample in metric.samples:
            if not sample.name.endswith("_created"):
                out[(sample.name, sample.labels.get("le", ""))] = sample.value
    return out


def test_observe_all_matches_observe_per_value() -> None:
    one, many = CollectorRegistry(), CollectorRegistry()
    by_one = Histogram("lat", "latency", ["stage"], registry=one).labels("link")
    by_many = Histogram("lat", "latency", ["stage"], registry=many).labels("link")
    for amount in AMOUNTS:
        by_one.observe(amount)
    observe_all(by_many, AMOUNTS)
    observe_all(by_many, [])
    expected, got = _samples(one), _samples(many)
    assert expected.keys() == got.keys()
    for key, value in expected.items():
        if key[0] == "lat_sum":
            assert math.isnan(value)
            assert math.isnan(got[key])
        else:
            assert got[key] == value, key
    assert got[("lat_count", "")] == len(AMOUNTS) - 1  # NaN: counted in no bucket


def test_observe_all_sums_like_observe() -> None:
    one, many = CollectorRegistry(), CollectorRegistry()
    by_one = Histogram("lat", "latency", registry=one)
    by_many = Histogram("lat", "latency", registry=many)
    finite = [a for a in AMOUNTS if a == a]
    for amount in finite:
        by_one.observe(amount)
    observe_all(by_many, finite)
    expected, got = _samples(one), _samples(many)
    assert math.isclose(got.pop(("lat_sum", "")), expected.pop(("lat_sum", "")))
    assert got == expected
    assert _samples(many)[("lat_bucket", "+Inf")] == len(finite)
