"""A decoded source event, reduced to what linkage compares."""

from __future__ import annotations

from typing import Any

from hub.linkage.linker import LinkCandidate


def candidate(event: dict[str, Any]) -> LinkCandidate:
    identity, envelope = event["identity"], event["envelope"]
    return LinkCandidate(
        event_id=envelope["event_id"],
        partner=envelope["partner"],
        tokens=tuple((t["type"], t["value"]) for t in identity["tokens"]),
        clk=identity["clk"],
        blocking_keys=tuple(identity["blocking_keys"]),
    )
