"""Duplicates are skipped before a batch is stored: within the batch, waiting, or published."""

from __future__ import annotations

from pathlib import Path

from prometheus_client import CollectorRegistry

from hub.config import load_settings
from hub.connectors.metrics import ConnectorMetrics
from hub.connectors.outbox import Acknowledged, Outbox, PendingEvent
from hub.connectors.pipeline import Pipeline
from hub.connectors.publisher import Publisher
from hub.connectors.quarantine import QuarantineFile


def _event(event_id: str, value: bytes = b"v") -> PendingEvent:
    return PendingEvent(event_id, "src.police", b"k", value, [])


def _pipeline(tmp_path: Path, outbox: Outbox) -> Pipeline:
    settings = load_settings()
    return Pipeline(
        source=None,  # type: ignore[arg-type]  # not used: batches are given encoded
        topic="src.police",
        outbox=outbox,
        quarantine=QuarantineFile(tmp_path / "quarantine.jsonl"),
        metrics=ConnectorMetrics(CollectorRegistry(), "police", 3600),
        publisher=Publisher(settings, outbox),  # never connects here
    )


def test_a_batch_without_duplicates_is_kept_whole_and_in_order(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    pipeline = _pipeline(tmp_path, outbox)
    batch = [_event(f"ev-{i}") for i in range(1500)]
    assert pipeline._without_duplicates(batch) == batch
    assert pipeline.summary.duplicates == 0


def test_repeats_waiting_and_published_events_are_skipped_first_kept(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    outbox.enqueue([_event("waiting"), _event("published")], "d", "f", 2)
    outbox.acknowledge([Acknowledged("published", "src.police", 0, 0)])
    pipeline = _pipeline(tmp_path, outbox)
    batch = [
        _event("a", b"first a"),
        _event("waiting"),
        _event("b"),
        _event("a", b"second a"),
        _event("published"),
        _event("c"),
        _event("b"),
    ]
    fresh = pipeline._without_duplicates(batch)
    assert [(e.event_id, e.value) for e in fresh] == [("a", b"first a"), ("b", b"v"), ("c", b"v")]
    assert pipeline.summary.duplicates == 4
    # Repeats within a batch alone (nothing known): the first of each is kept, in order.
    again = [_event("x"), _event("y"), _event("x")]
    assert [e.event_id for e in pipeline._without_duplicates(again)] == ["x", "y"]
    assert pipeline.summary.duplicates == 5
