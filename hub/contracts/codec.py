"""Avro single-object encoding: ``C3 01``, the writer schema's 8-byte fingerprint, the body.

The reader finds the writer schema by fingerprint among the schemas shipped in the repo, so
an event says which contract it was written under; unknown fingerprints, truncated bodies,
trailing bytes and oversized payloads are refused with an error that says which.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from fastavro import schemaless_reader, schemaless_writer

from hub.contracts.registry import Registry, load_registry
from hub.errors import SchemaError, SerializationError

MARKER = b"\xc3\x01"
HEADER_BYTES = 10
MAX_BYTES = 1 << 20


class Codec:
    def __init__(self, registry: Registry | None = None, max_bytes: int = MAX_BYTES) -> None:
        self.registry = registry or load_registry()
        self.max_bytes = max_bytes

    def encode(self, schema_name: str, record: dict[str, Any]) -> bytes:
        schema = self.registry.get(schema_name)
        out = BytesIO()
        out.write(MARKER + schema.fingerprint)
        try:
            schemaless_writer(out, schema.parsed, record)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise SerializationError(
                f"{schema_name}: record does not fit the schema: {exc}"
            ) from exc
        return out.getvalue()

    def decode(self, data: bytes, reader_schema: str | None = None) -> tuple[str, dict[str, Any]]:
        """(schema name, record); with ``reader_schema``, resolved to that schema's shape."""
        if len(data) > self.max_bytes:
            raise SerializationError(f"payload of {len(data)} bytes exceeds {self.max_bytes}")
        if len(data) < HEADER_BYTES or data[:2] != MARKER:
            raise SerializationError(
                "not Avro single-object encoding (no C3 01 marker at offset 0)"
            )
        try:
            writer = self.registry.writer(data[2:HEADER_BYTES])
        except SchemaError as exc:
            raise SerializationError(str(exc)) from exc
        reader = self.registry.get(reader_schema).parsed if reader_schema else None
        body = BytesIO(data[HEADER_BYTES:])
        try:
            record = schemaless_reader(body, writer.parsed, reader)
        except (EOFError, StopIteration, IndexError) as exc:
            raise SerializationError(
                f"{writer.name} v{writer.version}: body truncated at offset "
                f"{HEADER_BYTES + body.tell()} of {len(data)}"
            ) from exc
        except Exception as exc:  # fastavro raises assorted types on corrupt input
            raise SerializationError(
                f"{writer.name} v{writer.version}: corrupt body: {exc}"
            ) from exc
        if body.tell() != len(data) - HEADER_BYTES:
            raise SerializationError(
                f"{writer.name} v{writer.version}: {len(data) - HEADER_BYTES - body.tell()} "
                f"unexpected bytes after the record at offset {HEADER_BYTES + body.tell()}"
            )
        if not isinstance(record, dict):
            raise SerializationError(f"{writer.name}: decoded to {type(record).__name__}")
        return (reader_schema or writer.name), record
