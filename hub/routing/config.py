"""The routing file: routes, repeat interval, silences, per-panel fields."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hub.errors import ConfigurationError
from hub.kafka.topics import PANELS

DEFAULT_ROUTING = Path(__file__).resolve().parents[2] / "deploy" / "policy" / "routing.yaml"
FIELDS = {
    "age_band",
    "age",
    "area",
    "group_offence",
    "partners",
    "evidence_partner",
    "evidence_date",
    "evidence_category",
    "evidence_ref",
}


class Route(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    match: dict[str, str | list[str]]
    panel: str
    continue_: bool = Field(False, alias="continue")

    @field_validator("panel")
    @classmethod
    def _known_family(cls, panel: str) -> str:
        if family_of(panel) is None:
            raise ValueError(
                f"panel {panel!r} is not one of the panel families {', '.join(PANELS)}"
            )
        return panel

    @field_validator("match")
    @classmethod
    def _regexes_compile(cls, match: dict[str, str | list[str]]) -> dict[str, str | list[str]]:
        for key, value in match.items():
            if isinstance(value, str) and value.startswith("~"):
                try:
                    re.compile(value[1:])
                except re.error as exc:
                    raise ValueError(f"match.{key}: bad regex: {exc}") from exc
        return match


class Silence(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    panel: str
    until: date
    reason: str = Field(min_length=3)
    author: str
    rule: str | None = None
    person_id: str | None = None


class Routing(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    repeat_interval_days: int = Field(30, ge=0)
    routes: list[Route]
    silences: list[Silence] = []
    fields: dict[str, list[str]]

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: dict[str, list[str]]) -> dict[str, list[str]]:
        if "default" not in fields:
            raise ValueError("fields needs a 'default' entry")
        for panel, allowed in fields.items():
            if unknown := sorted(set(allowed) - FIELDS):
                raise ValueError(f"fields.{panel}: unknown {', '.join(unknown)}")
        return fields


def family_of(panel: str) -> str | None:
    for family in sorted(PANELS, key=len, reverse=True):
        if panel == family or panel.startswith(family + "-"):
            return family
    return None


def load_routing(path: Path = DEFAULT_ROUTING) -> Routing:
    try:
        data = yaml.safe_load(path.read_text())
        return Routing.model_validate(data)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path}: cannot read routing: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(f"{path}: invalid routing: {problems}") from exc
