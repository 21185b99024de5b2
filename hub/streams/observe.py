"""A batch's latencies into a histogram at once.

``Histogram.observe`` takes two locks and walks the buckets for each value: the stages
observed one latency per event, about a microsecond and a half each. ``observe_all`` counts
the batch's values per bucket first and adds each count once; the buckets and the count come
out the same as with one ``observe`` per value (the sum may differ in its last bits, being
added as one total).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import Any


def observe_all(histogram: Any, amounts: Iterable[float]) -> None:
    """``histogram.observe(a)`` for each amount (a labelled child of a Histogram)."""
    bounds = getattr(histogram, "_upper_bounds", None)
    buckets = getattr(histogram, "_buckets", None)
    total = getattr(histogram, "_sum", None)
    if bounds is None or buckets is None or total is None:  # not prometheus_client's own
        for amount in amounts:
            histogram.observe(amount)
        return
    counts: dict[int, int] = {}
    added = 0.0
    for amount in amounts:
        added += amount
        if amount == amount:  # NaN falls in no bucket, as with observe
            index = bisect_left(bounds, amount)  # the first bound >= amount (+Inf is last)
            counts[index] = counts.get(index, 0) + 1
    if not counts and added == 0.0:
        return
    histogram._raise_if_not_observable()
    total.inc(added)
    for index, n in counts.items():
        if index < len(buckets):
            buckets[index].inc(n)
