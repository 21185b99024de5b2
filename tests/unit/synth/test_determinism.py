"""Same seed, same bytes; another seed, another city."""

from __future__ import annotations

import hashlib
from pathlib import Path

from hub.synth.generator import generate
from hub.synth.params import SynthParams


def _digest(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    params = SynthParams(people=600, seed=5, bad_rows=4, chunk_size=250)
    generate(params, tmp_path / "a")
    generate(params, tmp_path / "b")
    a, b = _digest(tmp_path / "a"), _digest(tmp_path / "b")
    assert a == b
    assert any(name.startswith("exports/police/") for name in a)


def test_another_seed_gives_other_data(tmp_path: Path) -> None:
    generate(SynthParams(people=600, seed=5), tmp_path / "a")
    generate(SynthParams(people=600, seed=6), tmp_path / "b")
    a = (tmp_path / "a" / "truth" / "people.csv").read_bytes()
    assert a != (tmp_path / "b" / "truth" / "people.csv").read_bytes()
