"""A single-partition batch is settled by the delivery reports of its first and last events."""

from __future__ import annotations

import logging

import pytest

from hub.config import load_settings
from hub.connectors.outbox import Acknowledged, PendingEvent
from hub.connectors.publisher import _InFlight, producer_config

TOPIC = "src.police"


class _Report:
    """What a librdkafka delivery report's message answers (offset only is read)."""

    def __init__(self, offset: int) -> None:
        self._offset = offset

    def offset(self) -> int:
        return self._offset


def _batch(n: int) -> _InFlight:
    events = [PendingEvent(f"ev-{i}", TOPIC, b"k", b"v", []) for i in range(n)]
    return _InFlight(events, TOPIC)


def test_a_gapless_producer_is_configured() -> None:
    config = producer_config(load_settings())
    assert (config["enable.idempotence"], config["enable.gapless.guarantee"]) == (True, True)


def test_offsets_filled_exactly_acknowledge_every_event_in_order() -> None:
    batch = _batch(5)
    assert batch.waiting == 2
    batch.delivered_end(1, None, _Report(14))  # the last may be served first
    assert batch.waiting == 1
    batch.delivered_end(0, None, _Report(10))
    assert (batch.waiting, batch.error) == (0, None)
    assert batch.acknowledged() == [Acknowledged(f"ev-{i}", TOPIC, 0, 10 + i) for i in range(5)]


def test_a_batch_of_one_needs_one_report() -> None:
    batch = _batch(1)
    assert batch.waiting == 1
    batch.delivered_end(0, None, _Report(7))
    assert (batch.waiting, batch.error) == (0, None)
    assert batch.acknowledged() == [Acknowledged("ev-0", TOPIC, 0, 7)]


@pytest.mark.parametrize("last", [13, 15, 40])
def test_offsets_not_filled_exactly_are_a_failed_send(last: int) -> None:
    """Another producer wrote between our events (or one of ours is missing): unknown which
    of ours Kafka has, so the batch fails and the outbox is reconciled."""
    batch = _batch(5)
    batch.delivered_end(0, None, _Report(10))
    batch.delivered_end(1, None, _Report(last))
    assert batch.waiting == 0
    assert batch.error is not None
    assert "another producer" in batch.error


def test_an_error_on_either_end_is_a_failed_send() -> None:
    batch = _batch(3)
    batch.delivered_end(0, None, _Report(0))
    batch.delivered_end(1, "Local: Fatal error", None)
    assert (batch.waiting, batch.error) == (0, "Local: Fatal error")


def test_the_gapless_warning_alone_is_filtered(caplog: pytest.LogCaptureFixture) -> None:
    logger = producer_config(load_settings())["logger"]
    with caplog.at_level(logging.WARNING, logger=logger.name):
        logger.warning("CONFWARN [rdkafka#producer-1] enable.gapless.guarantee is experimental")
        logger.warning("CONFWARN [rdkafka#producer-1] some.other.property is deprecated")
    assert [r.getMessage() for r in caplog.records] == [
        "CONFWARN [rdkafka#producer-1] some.other.property is deprecated"
    ]
