"""One generated partnership shared by the synth tests (generation is the slow part)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.synth.generator import generate
from hub.synth.params import SynthParams

CALIBRATION_PEOPLE = 10_000
BAD_ROWS = 8


@dataclass
class Run:
    root: Path
    manifest: dict[str, Any]

    def truth(self, name: str) -> list[dict[str, str]]:
        with (self.root / "truth" / name).open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def files(self, partner: str) -> list[Path]:
        return sorted((self.root / "exports" / partner).iterdir())


@pytest.fixture(scope="session")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("synth")
    manifest = generate(SynthParams(people=CALIBRATION_PEOPLE, seed=11, bad_rows=BAD_ROWS), root)
    return Run(root, manifest)


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of one export file: CSV as dicts of strings, JSON Lines as parsed objects."""
    with path.open(newline="", encoding="utf-8") as handle:
        if path.suffix == ".csv":
            return list(csv.DictReader(handle))
        return [json.loads(line) for line in handle]
