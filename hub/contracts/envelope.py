"""Deterministic event ids and CloudEvents Kafka headers (binary content mode).

The event id is a UUIDv5 over (partner, source record token, record version): the same record
re-sent is the same event id, so every stage can deduplicate; a new version is a new event.
Headers follow the CloudEvents Kafka protocol binding (``ce_`` prefix, ``content-type``), so
tools can route on them without decoding the Avro value.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha1

EVENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:csp-hub:event")
CONTENT_TYPE = "application/avro"


_NAMESPACE_BYTES = EVENT_NAMESPACE.bytes


def event_id(partner: str, source_record_ref: str, record_version: int) -> str:
    """``str(uuid.uuid5(EVENT_NAMESPACE, name))``, computed directly (RFC 4122 section 4.3)."""
    name = f"{partner}\x1f{source_record_ref}\x1f{record_version}".encode()
    digest = bytearray(sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@dataclass(frozen=True)
class CloudEvent:
    id: str
    source: str  # "/csp/partner/<partner>" or "/csp/hub/<stage>"
    type: str  # "uk.csp.hub.<Schema>.v<N>"
    time: datetime
    fingerprint: str  # hex of the writer schema's CRC-64-AVRO

    def headers(self) -> list[tuple[str, bytes]]:
        return [
            ("ce_specversion", b"1.0"),
            ("ce_id", self.id.encode()),
            ("ce_source", self.source.encode()),
            ("ce_type", self.type.encode()),
            ("ce_time", self.time.astimezone(UTC).isoformat(timespec="milliseconds").encode()),
            ("content-type", CONTENT_TYPE.encode()),
            ("ce_schemafingerprint", self.fingerprint.encode()),
        ]

    @classmethod
    def from_headers(cls, headers: Iterable[tuple[str, bytes]]) -> CloudEvent:
        found = {k: v.decode() for k, v in headers}
        if found.get("ce_specversion") != "1.0":
            raise ValueError("not a CloudEvents 1.0 record (ce_specversion)")
        return cls(
            found["ce_id"],
            found["ce_source"],
            found["ce_type"],
            datetime.fromisoformat(found["ce_time"]),
            found.get("ce_schemafingerprint", ""),
        )


def partner_source(partner: str) -> str:
    return f"/csp/partner/{partner}"


def event_type(schema_name: str, version: int) -> str:
    return f"uk.csp.hub.{schema_name}.v{version}"
