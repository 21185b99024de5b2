"""A single-partition batch is settled by the delivery reports of its first and last events."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hub.config import load_settings
from hub.connectors.outbox import Acknowledged, Outbox, PendingEvent
from hub.connectors.publisher import Publisher, _InFlight, producer_config
from hub.errors import SourceUnavailableError

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


class _StoppedProducer:
    """Answers as librdkafka does once the producer has raised a fatal error."""

    def __init__(self) -> None:
        self.purged = False

    def produce(self, *_args: object, **_kwargs: object) -> None:
        from confluent_kafka import KafkaError, KafkaException

        raise KafkaException(
            KafkaError(KafkaError._FATAL, "gap in the produced series", fatal=True)
        )

    def purge(self, **_kwargs: object) -> None:
        self.purged = True

    def flush(self, _timeout: float) -> int:
        return 0


def test_a_producer_stopped_for_good_is_dropped_and_the_outbox_reconciled_first(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    events = [PendingEvent(f"ev-{i}", TOPIC, b"k", b"v", []) for i in range(3)]
    outbox.enqueue(events, "d", "f", 3)
    publisher = Publisher(load_settings(), outbox)
    stopped = _StoppedProducer()
    publisher._producer, publisher._reachable, publisher._single = stopped, True, {TOPIC}
    with pytest.raises(SourceUnavailableError, match=r"producer stopped.*3 events wait"):
        publisher.submit(events)
    assert (publisher.needs_reconcile, publisher.in_flight, stopped.purged) == (True, 0, True)
    assert publisher._producer is None  # a new one, after reconciling, next time
    assert outbox.pending_count() == 3
