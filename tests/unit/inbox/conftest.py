"""A fresh SQLite inbox store per test, with a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hub.inbox.store import InboxStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 10, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[InboxStore]:
    opened = InboxStore.open(f"sqlite:///{tmp_path / 'inbox.db'}", clock=clock)
    try:
        yield opened
    finally:
        opened.close()
