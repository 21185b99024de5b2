"""`hub deliver`: offset commits that keep failing are reported (/healthz and a gauge the
HubDeliveryCommitsStalled alert watches), not hidden."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from kafka.errors import RebalanceInProgressError

from hub.config import load_settings
from hub.delivery.service import STALL_S, DeliveryService


class _RefusingConsumer:
    """Stands in for the consumer's commit only: a group stuck rebalancing refuses it."""

    def commit(self, offsets: object) -> None:
        raise RebalanceInProgressError("group is rebalancing")


class _AcceptingConsumer:
    def commit(self, offsets: object) -> None:
        return None


def test_commits_failing_longer_than_the_stall_limit_turn_health_red(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(state_dir=tmp_path, delivery={"disabled_channels": ["inbox"]})
    service = DeliveryService(settings)
    service.assigned = True
    partition = ("alerts.iom", 0)
    service.tracker.add(partition, 0)
    service.tracker.done(partition, 0, 0)
    service._consumer = _RefusingConsumer()  # type: ignore[assignment]

    service._commit()
    assert service.health() is None  # one failed commit is a rebalance, not a fault

    start = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: start + STALL_S + 5)
    service.last_loop = time.monotonic()
    reason = service.health()
    assert reason is not None
    assert reason.startswith(f"offset commits have failed for {STALL_S + 5:.0f}s")
    assert "rebalancing" in reason
    failing = "hub_delivery_offset_commits_failing_seconds"
    assert service.registry.get_sample_value(failing) == pytest.approx(STALL_S + 5, abs=1)

    # partitions revoked while commits failed: nothing is left to commit, so nothing fails
    service.tracker.forget([partition])
    service._commit()
    assert service.health() is None
    service.tracker.add(partition, 1)
    service.tracker.done(partition, 1, 1)
    service._commit()  # refused again
    assert service.commit_failing_since is not None

    service._consumer = _AcceptingConsumer()  # type: ignore[assignment]
    service._commit()
    assert service.health() is None
    assert service.registry.get_sample_value(failing) == 0
    assert service.tracker.committable() == {}
    service.ledger.close()
