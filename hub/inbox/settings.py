"""The inbox's settings (``HUB_INBOX_*``): one frozen object, built at the entry point.

Kept beside the inbox rather than in ``hub/config.py`` while the inbox is new; the fields are
what an operator tunes: where the store is, where the identity key is, how long sessions live.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class InboxSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_INBOX_", frozen=True, extra="forbid")

    database_url: str = Field(
        "sqlite:///.hub/inbox.db", description="SQLAlchemy URL; postgresql+psycopg://... in prod"
    )
    directory_file: Path | None = Field(
        None, description="panel directory YAML; None means deploy/panels/panels.yaml"
    )
    policy_file: Path | None = Field(
        None, description="rules policy YAML, for rule descriptions; None means the default"
    )
    keys_dir: Path = Field(
        Path(".hub/keys"),
        description="recipient-<id>.private.json (one per recipient in the directory), "
        "partners.public.json",
    )
    session_idle_s: float = Field(900.0, gt=0, description="sign out after this long idle")
    session_absolute_s: float = Field(8 * 3600.0, gt=0, description="and after this long at all")
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto", description="auto: Secure unless the page was asked for on a loopback host"
    )
    max_failures: int = Field(5, ge=1, description="failed sign-ins before a lockout")
    lockout_s: float = Field(900.0, gt=0, description="how long a lockout lasts")
    min_reason_length: int = Field(20, ge=1, description="reason for opening an identity")
    share_related_panels: frozenset[str] = Field(
        frozenset(),
        description="directory panel ids (e.g. iom, engage-{area}) whose members may see which "
        "other panels have alerts about the same person; off for every panel by default",
    )
