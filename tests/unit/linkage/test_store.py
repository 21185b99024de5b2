"""The serialised store behaves like a dict for the linker: the same decisions, bytes only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rocksdict import Rdict

from hub.linkage.linker import Linker
from hub.linkage.store import SerializedStore
from tests.unit.linkage.test_linker import ANN, ANN_TYPO, BOB, event

EVENTS = [
    event("e1", ANN, ("nhs", "T1")),
    event("e2", ANN_TYPO),
    event("e3", BOB, ("pnc", "P1")),
    event("e4", BOB, ("nhs", "T1"), ("pnc", "P1")),  # a bridge: merges Ann and Bob
    event("e4", BOB, ("nhs", "T1"), ("pnc", "P1")),  # redelivered
    event("e4", BOB, ("nhs", "T1"), ("pnc", "P1")),  # and again
]


def decisions(store: Any) -> list[Any]:
    linker = Linker(store)
    return [linker.link(e) for e in EVENTS]


def test_json_values_give_the_same_decisions_as_a_dict(tmp_path: Path) -> None:
    plain = decisions({})
    assert plain[3].merges
    assert plain[4] == plain[5] == plain[3]  # a redelivery keeps its merges every time
    serialised = SerializedStore()
    assert decisions(serialised) == plain
    assert all(isinstance(v, bytes) for v in serialised.raw.values())
    rocks = Rdict(str(tmp_path / "db"))
    try:
        assert decisions(SerializedStore(rocks)) == plain
    finally:
        rocks.close()
