"""An input file becomes batches of encoded events and quarantined rows, in row order.

This is the connector's CPU-bound half (read, map and validate, pseudonymise, seal, encode);
the pipeline stores and sends what it yields. It runs in a child process of its own by
default (``hub.connectors.encoder_process``), or in the caller's thread.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Protocol

from hub.connectors.mapping import FieldProblem, MappedRecord, PartnerMapping
from hub.connectors.outbox import PendingEvent
from hub.connectors.quarantine import Quarantined
from hub.connectors.reader import BadRow, InputFile, read_rows

BATCH_ROWS = 1000


@dataclass(frozen=True, slots=True)
class EncodedEvent:
    event_id: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


class RecordEncoder(Protocol):
    """Turns a mapped record into the bytes that leave the partner (pseudonymised, sealed)."""

    def encode(self, record: MappedRecord) -> EncodedEvent: ...


@dataclass(frozen=True, slots=True)
class EncodedBatch:
    """Up to ``BATCH_ROWS`` input rows: each became an event or a quarantined row."""

    read: int  # rows read, bad ones included
    last_row: int  # the input position once this batch is stored
    events: list[PendingEvent]
    quarantined: list[Quarantined]


class BatchSource(Protocol):
    """Where the pipeline gets a file's batches from (this thread, or a child process)."""

    def batches(self, file: InputFile, start_after: int) -> Generator[EncodedBatch, None, None]: ...

    def close(self) -> None: ...


class InProcessEncoding:
    """Encodes in the caller's thread: one core for everything (``connector.encoder_process``
    off)."""

    def __init__(self, mapping: PartnerMapping, encoder: RecordEncoder, topic: str) -> None:
        self.mapping = mapping
        self.encoder = encoder
        self.topic = topic

    def batches(self, file: InputFile, start_after: int) -> Generator[EncodedBatch, None, None]:
        return encode_file(self.mapping, self.encoder, self.topic, file, start_after)

    def close(self) -> None:
        pass


def encode_file(
    mapping: PartnerMapping, encoder: RecordEncoder, topic: str, file: InputFile, start_after: int
) -> Generator[EncodedBatch, None, None]:
    """The rows after ``start_after``, a batch per ``BATCH_ROWS`` row numbers (the last one
    may be short or empty: it carries the file's final position)."""
    partner, ref_field = mapping.PARTNER, mapping.RECORD_REF
    events: list[PendingEvent] = []
    quarantined: list[Quarantined] = []
    read, row_number = 0, start_after
    for item in read_rows(file, mapping.FORMAT, mapping.COLUMNS, start_after):
        row_number = item.number
        read += 1
        if isinstance(item, BadRow):
            quarantined.append(
                Quarantined(
                    partner, item.source, item.number, None, None, "malformed_row", item.reason
                )
            )
        else:
            try:
                encoded = encoder.encode(mapping.map_row(item.fields))
            except FieldProblem as problem:
                ref = item.fields.get(ref_field) or None
                quarantined.append(
                    Quarantined(
                        partner,
                        item.source,
                        item.number,
                        ref,
                        problem.field,
                        problem.kind,
                        problem.reason,
                    )
                )
            else:
                events.append(
                    PendingEvent(
                        encoded.event_id, topic, encoded.key, encoded.value, encoded.headers
                    )
                )
        if row_number % BATCH_ROWS == 0:
            yield EncodedBatch(read, row_number, events, quarantined)
            events, quarantined, read = [], [], 0
    yield EncodedBatch(read, row_number, events, quarantined)
