"""Backoff with full jitter, Retry-After, and out-of-order offset commits."""

from __future__ import annotations

from email.utils import formatdate

from hub.delivery.offsets import OffsetTracker
from hub.delivery.retry import RetryPolicy, parse_retry_after


def test_full_jitter_stays_under_an_exponential_capped_ceiling() -> None:
    ceilings: list[float] = []

    def uniform(low: float, high: float) -> float:
        ceilings.append(high)
        return high / 2

    policy = RetryPolicy(max_attempts=8, base_s=0.5, cap_s=5.0, uniform=uniform)
    delays = [policy.delay(attempt) for attempt in range(1, 8)]
    assert ceilings == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    assert delays == [c / 2 for c in ceilings]
    real = RetryPolicy(base_s=1.0, cap_s=8.0)
    samples = [real.delay(4) for _ in range(500)]
    assert all(0 <= s <= 8.0 for s in samples)
    assert max(samples) - min(samples) > 4  # jitter spreads, not a fixed sleep


def test_retry_after_wins_up_to_its_cap() -> None:
    policy = RetryPolicy(retry_after_cap_s=30.0, uniform=lambda _l, _h: 99.0)
    assert policy.delay(1, retry_after_s=7.0) == 7.0
    assert policy.delay(1, retry_after_s=3600.0) == 30.0
    assert policy.delay(1) == 99.0


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = 1_800_000_000.0
    assert parse_retry_after("12", now) == 12.0
    assert parse_retry_after(formatdate(now + 40, usegmt=True), now) == 40.0
    assert parse_retry_after(formatdate(now - 40, usegmt=True), now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_offsets_commit_only_below_the_oldest_unfinished() -> None:
    tracker: OffsetTracker[str] = OffsetTracker()
    gens = {o: tracker.add("p0", o) for o in range(5)}
    assert tracker.committable() == {"p0": 0}
    for offset in (1, 2, 4):
        tracker.done("p0", offset, gens[offset])
    assert tracker.committable() == {"p0": 0}  # 0 still in flight holds everything back
    tracker.done("p0", 0, gens[0])
    assert tracker.committable() == {"p0": 3}
    tracker.committed({"p0": 3})
    assert tracker.committable() == {}
    tracker.done("p0", 3, gens[3])
    assert tracker.committable() == {"p0": 5}
    assert tracker.in_flight() == 0


def test_a_revoked_partition_ignores_late_finishes() -> None:
    tracker: OffsetTracker[str] = OffsetTracker()
    old = tracker.add("p0", 7)
    tracker.forget(["p0"])
    new = tracker.add("p0", 7)  # re-read after the partition came back
    tracker.done("p0", 7, old)  # the old task finishing must not release the new read
    assert tracker.in_flight() == 1
    tracker.done("p0", 7, new)
    assert tracker.committable() == {"p0": 8}
