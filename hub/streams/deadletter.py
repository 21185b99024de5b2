"""Dead letters: a record a stage cannot process is kept, with why and where it came from.

A dead letter carries the original bytes unchanged as its value, so it can be replayed once
the cause is fixed, and its coordinates and reason in headers (the Kafka Connect convention),
so an operator can read and route it without decoding anything. Reasons name the stage, the
source coordinates and, where known, the field; they never carry a value from the record.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

HEADER_PREFIX = "hub_dlq_"


@dataclass(frozen=True)
class DeadLetter:
    stage: str
    reason: str
    source_topic: str
    source_partition: int
    source_offset: int
    field: str | None = None
    partner: str | None = None

    def headers(self) -> list[tuple[str, bytes]]:
        values = {
            "stage": self.stage,
            "reason": self.reason,
            "source_topic": self.source_topic,
            "source_partition": str(self.source_partition),
            "source_offset": str(self.source_offset),
            "field": self.field or "",
            "partner": self.partner or "",
        }
        return [(HEADER_PREFIX + k, v.encode()) for k, v in values.items()]

    @classmethod
    def from_headers(cls, headers: Any) -> DeadLetter:
        found = {
            k[len(HEADER_PREFIX) :]: v.decode()
            for k, v in (headers.items() if isinstance(headers, dict) else headers)
            if k.startswith(HEADER_PREFIX)
        }
        return cls(
            stage=found["stage"],
            reason=found["reason"],
            source_topic=found["source_topic"],
            source_partition=int(found["source_partition"]),
            source_offset=int(found["source_offset"]),
            field=found.get("field") or None,
            partner=found.get("partner") or None,
        )


def describe(exc: BaseException) -> tuple[str, str | None]:
    """A reason for an operator (exception type and message) and the field, if one is named."""
    field = getattr(exc, "field", None)
    message = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {message}"[:500], field if isinstance(field, str) else None
