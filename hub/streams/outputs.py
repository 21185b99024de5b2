"""What a batch sends: records queued during the pure pass, sent together at commit.

Headers are CloudEvents (hub.contracts.envelope); all but the id and time are the same for
every record of a schema, so they are built once per schema, not per record with a registry
lookup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.contracts.envelope import CloudEvent, event_type
from hub.contracts.registry import Registry
from hub.streams.sender import BatchSender

SOURCE = "/csp/hub/worker"
SEALED_IDENTITY = "uk.csp.hub.SealedIdentity"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class HeaderFactory:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._templates: dict[str, list[tuple[str, bytes]]] = {}

    def __call__(self, schema: str, event_id: str, time: bytes) -> list[tuple[str, bytes]]:
        template = self._templates.get(schema)
        if template is None:
            spec = self.registry.get(schema)
            template = CloudEvent(
                "", SOURCE, event_type(schema, spec.version), _EPOCH, spec.fingerprint.hex()
            ).headers()
            self._templates[schema] = template
        out = list(template)
        out[1] = ("ce_id", event_id.encode())
        out[4] = ("ce_time", time)
        return out


def sealed_branch(sealed: dict[str, Any] | None) -> tuple[str, dict[str, Any]] | None:
    """A ``["null", "SealedIdentity"]`` union's value with its branch named (fastavro's tuple
    notation): the same bytes, but fastavro no longer validates the record against each
    branch to find which it is (about 2.5 of a LinkedEvent's 15 us encode)."""
    return None if sealed is None else (SEALED_IDENTITY, sealed)


def header_time(now: datetime) -> bytes:
    """``ce_time`` as CloudEvent.headers writes it."""
    return now.astimezone(UTC).isoformat(timespec="milliseconds").encode()


@dataclass
class Outbox:
    """Records a pass queued, in order; handed to a BatchSender when the batch commits.

    Kept as four parallel lists rather than a tuple per record: a batch's records live
    through many young garbage collections, so each tuple would be promoted to the oldest
    generation and bring its next full collection closer."""

    topics: list[str] = field(default_factory=list)
    keys: list[bytes] = field(default_factory=list)
    values: list[bytes] = field(default_factory=list)
    headers: list[list[tuple[str, bytes]]] = field(default_factory=list)

    def add(self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> None:
        self.topics.append(topic)
        self.keys.append(key)
        self.values.append(value)
        self.headers.append(headers)

    @property
    def records(self) -> list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]]:
        """The queued records, in order: (topic, key, value, headers)."""
        return list(zip(self.topics, self.keys, self.values, self.headers, strict=True))

    def clear(self) -> None:
        self.topics, self.keys, self.values, self.headers = [], [], [], []

    async def hand_to(self, sender: BatchSender) -> int:
        queued = zip(self.topics, self.keys, self.values, self.headers, strict=True)
        for topic, key, value, headers in queued:
            await sender.add_keyed(topic, key, value, headers)
        count = len(self.topics)
        self.clear()
        return count
