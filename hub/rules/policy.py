"""The policy file: the partnership's rules as data that analysts change without a release."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hub.errors import ConfigurationError

DEFAULT_POLICY = Path(__file__).resolve().parents[2] / "deploy" / "policy" / "default.yaml"
RuleKind = Literal[
    "repeat_victim",
    "repeat_suspect",
    "prison_release",
    "transition_to_adulthood",
    "excluded_child_violence",
    "several_agencies",
]


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    kind: RuleKind
    description: str
    enabled: bool = True
    window_days: int = Field(365, ge=1, le=3650)
    threshold: int = Field(2, ge=1, description="events (or partners) needed")
    min_age: int | None = Field(None, ge=0, le=120)
    max_age: int | None = Field(None, ge=0, le=120)
    lead_days: int = Field(0, ge=0, le=365, description="how far ahead a date-based rule looks")


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    rules: list[Rule]

    @model_validator(mode="after")
    def _unique(self) -> Policy:
        ids = [r.id for r in self.rules]
        if duplicated := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"rule ids must be unique: {', '.join(duplicated)}")
        return self

    @property
    def longest_window(self) -> int:
        return max((r.window_days for r in self.rules if r.enabled), default=365)


def load_policy(path: Path = DEFAULT_POLICY) -> Policy:
    """Load and validate; errors name the file, the rule and the field."""
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path}: cannot read the policy: {exc}") from exc
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = list(err["loc"])
            if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
                rules = (data or {}).get("rules") or []
                rule_id = rules[loc[1]].get("id", f"#{loc[1]}") if loc[1] < len(rules) else loc[1]
                loc = [f"rule {rule_id}", *loc[2:]]
            problems.append(f"{'.'.join(map(str, loc))}: {err['msg']}")
        raise ConfigurationError(f"{path}: invalid policy: " + "; ".join(problems)) from exc
