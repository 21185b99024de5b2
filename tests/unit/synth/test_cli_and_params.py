"""`hub synth` options, summary and refusal to overwrite; parameter checks."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli.synth import app
from hub.synth.params import SynthParams


def test_cli_generates_and_prints_a_summary(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["--people", "400", "--years", "2", "--end-date", "2025-12-31", "--seed", "3",
            "--out", str(out), "--bad-rows", "2"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "police" in result.output
    assert "people/s" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["start_date"] == "2024-01-01"
    assert manifest["bad_rows"]["schools"] == 2
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 1
    assert "--force" in again.output
    assert CliRunner().invoke(app, [*args, "--force"]).exit_code == 0


def test_cli_rejects_a_bad_date(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["--end-date", "30/09/2026", "--out", str(tmp_path)])
    assert result.exit_code != 0


def test_period_and_validation() -> None:
    p = SynthParams(end_date=date(2026, 9, 30), years=3)
    assert p.start_date == date(2023, 10, 1)
    assert SynthParams(people=25_001).chunks == 3
    with pytest.raises(ValueError, match="people"):
        SynthParams(people=0)
