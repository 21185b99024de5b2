"""A small synthetic partnership and its keys, made once per module."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.config import HubSettings
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership

#: Partner id -> the folder its synthetic export is written to.
EXPORT_FOLDERS = {
    "police": "police",
    "ed": "ed",
    "prison": "prisons",
    "school": "schools",
    "yjs": "youth_justice",
}


@dataclass(frozen=True)
class Partnership:
    root: Path
    keys: Path

    def export(self, partner: str) -> Path:
        return self.root / "exports" / EXPORT_FOLDERS[partner]

    def bad_rows(self) -> list[dict[str, str]]:
        with (self.root / "truth" / "bad_rows.csv").open() as handle:
            return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> Partnership:
    root = tmp_path_factory.mktemp("synth")
    generate(SynthParams(people=1500, seed=7, bad_rows=3), root)
    keys = root / "keys"
    generate_partnership(keys, list(EXPORT_FOLDERS), ["panels"])
    return Partnership(root, keys)


@pytest.fixture
def connector_settings(topics: HubSettings, partnership: Partnership) -> HubSettings:
    return topics.model_copy(
        update={"connector": topics.connector.model_copy(update={"keys_dir": partnership.keys})}
    )
