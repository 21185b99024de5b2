"""The project's alert rules and runbook, loaded for static checks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
RUNBOOK = REPO / "docs" / "runbook.md"
_NAME = re.compile(r"\b(hub[_:][a-zA-Z0-9_:]*|up|ALERTS|process_[a-z_]+)\b")


def rules() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for file in sorted((REPO / "deploy" / "prometheus" / "rules").glob("*.yml")):
        for group in yaml.safe_load(file.read_text())["groups"]:
            found.extend(group["rules"])
    return found


def alerts() -> list[dict[str, Any]]:
    return [r for r in rules() if "alert" in r]


def series_in(expr: str) -> set[str]:
    """Series names an expression selects (hub_*, hub:*, up, process_*), label values aside."""
    without_matchers = re.sub(r"\{[^}]*\}", "", expr)
    return set(_NAME.findall(without_matchers))


def runbook_anchors() -> set[str]:
    """GitHub's anchors for the runbook's headings."""
    anchors = set()
    for line in RUNBOOK.read_text().splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add(re.sub(r"[^a-z0-9 _-]", "", title).replace(" ", "-"))
    return anchors
