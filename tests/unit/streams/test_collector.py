"""The worker's garbage collection policy (hub.streams.collector): CPython's automatic full
collections are off while it runs, the timer's ``collect`` still frees cyclic garbage, and
stopping puts CPython's own policy back."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from hub.streams.collector import NEVER, Collector


@pytest.fixture
def collector() -> Iterator[Collector]:
    before = gc.get_threshold()
    made = Collector()
    yield made
    made.restore()
    assert gc.get_threshold() == before


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_defer_turns_off_automatic_full_collections_and_freezes_what_is_alive(
    collector: Collector,
) -> None:
    young, middle, _ = gc.get_threshold()
    collector.defer()
    assert gc.get_threshold() == (young, middle, NEVER)
    assert gc.get_freeze_count() > 0
    collector.defer()  # twice is once
    assert gc.get_threshold() == (young, middle, NEVER)


def test_collect_frees_cyclic_garbage_made_after_defer(collector: Collector) -> None:
    collector.defer()
    node = Node()
    ref = weakref.ref(node)
    del node
    assert collector.collect() >= 0
    assert ref() is None


def test_restore_unfreezes(collector: Collector) -> None:
    collector.defer()
    collector.restore()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold()[2] != NEVER
