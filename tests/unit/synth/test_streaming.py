"""Memory does not grow with the population: chunks are written out as they are made."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

import pytest

from hub.synth.generator import generate
from hub.synth.params import SynthParams


def _peak(people: int, folder: Path) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        generate(SynthParams(people=people, seed=4, chunk_size=1_000), folder)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.slow
def test_peak_memory_is_flat_in_population(tmp_path: Path) -> None:
    small = _peak(1_000, tmp_path / "small")
    large = _peak(6_000, tmp_path / "large")
    assert large < small * 1.6, (small, large)
