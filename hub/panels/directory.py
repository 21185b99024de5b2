"""The panel directory (``deploy/panels/panels.yaml``): one entry per panel that receives alerts.

Routing (``deploy/policy/routing.yaml``) decides *which* panel hears about a flag and which
fields it may see; the directory says *who* the panel is and *how* alerts reach it. Keeping
the two apart lets a panel change its webhook or members without touching the rules, and
``hub panels check`` proves every panel routing can name has an entry here.

An entry's ``id`` is a routing panel id (``iom``) or a template with ``{area}``
(``engage-{area}``), which covers every area's panel of that family. Secrets are never in
this file: a webhook entry names the environment variable that holds its signing secret, and
member passwords and second factors live in the inbox's own store.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)

from hub.errors import ConfigurationError
from hub.routing.config import family_of

DEFAULT_DIRECTORY = Path(__file__).resolve().parents[2] / "deploy" / "panels" / "panels.yaml"

_FROZEN = ConfigDict(frozen=True, extra="forbid")

Role = Literal["member", "identity-opener", "chair"]
"""``member`` reads the panel's alerts and records actions; ``identity-opener`` may also open
a person's sealed identity (with a reason, audited); ``chair`` may also assign and close."""


class Member(BaseModel):
    model_config = _FROZEN

    username: str = Field(pattern=r"^[a-z][a-z0-9._-]{1,39}$")
    name: str = Field(min_length=1)
    email: EmailStr
    roles: frozenset[Role] = frozenset({"member"})


class WebhookChannel(BaseModel):
    """An HTTPS POST to the panel's case-management system, signed with a shared secret."""

    model_config = _FROZEN

    kind: Literal["webhook"] = "webhook"
    url: HttpUrl
    secret_env: str = Field(
        pattern=r"^[A-Z][A-Z0-9_]*$", description="environment variable holding the secret"
    )
    allow_plain_http: bool = Field(
        False, description="only for a receiver on this machine (tests, demo)"
    )

    @model_validator(mode="after")
    def _https(self) -> WebhookChannel:
        if self.url.scheme != "https" and not self.allow_plain_http:
            raise ValueError(f"webhook {self.url} must be https (or set allow_plain_http)")
        return self

    def secret(self) -> bytes:
        """The signing secret, read when needed so it never sits in a settings dump."""
        value = os.environ.get(self.secret_env)
        if not value:
            raise ConfigurationError(
                f"webhook {self.url}: environment variable {self.secret_env} is not set"
            )
        return value.encode()


class EmailChannel(BaseModel):
    """A notification that an alert awaits in the inbox: never personal data."""

    model_config = _FROZEN

    kind: Literal["email"] = "email"
    to: list[EmailStr] = Field(min_length=1)


class InboxChannel(BaseModel):
    model_config = _FROZEN

    kind: Literal["inbox"] = "inbox"


Channel = WebhookChannel | EmailChannel | InboxChannel


class Panel(BaseModel):
    model_config = _FROZEN

    id: str
    name: str = Field(min_length=1)
    area: str = Field("all", description="an area code, or 'all'; '{area}' for templates")
    recipient: str = Field("panels", description="key ring recipient its identities seal to")
    members: list[Member] = []
    channels: list[Channel] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _known_family(cls, panel_id: str) -> str:
        if family_of(panel_id.replace("{area}", "x")) is None:
            raise ValueError(f"panel id {panel_id!r} is not in any panel family")
        return panel_id

    @property
    def family(self) -> str:
        family = family_of(self.id.replace("{area}", "x"))
        assert family is not None  # validated
        return family

    def matches(self, panel_id: str) -> bool:
        if "{area}" not in self.id:
            return panel_id == self.id
        prefix, _, suffix = self.id.partition("{area}")
        pattern = re.escape(prefix) + r"[A-Za-z0-9]+" + re.escape(suffix)
        return re.fullmatch(pattern, panel_id) is not None

    def channel(self, kind: str) -> Channel | None:
        return next((c for c in self.channels if c.kind == kind), None)


class PanelDirectory(BaseModel):
    model_config = _FROZEN

    panels: list[Panel] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> PanelDirectory:
        ids = [p.id for p in self.panels]
        if dupes := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"panel ids appear twice: {', '.join(dupes)}")
        return self

    def panel(self, panel_id: str) -> Panel | None:
        """The entry for a routed panel id: an exact entry first, then a template."""
        exact = next((p for p in self.panels if p.id == panel_id), None)
        return exact or next((p for p in self.panels if p.matches(panel_id)), None)

    def panels_of(self, username: str) -> list[Panel]:
        return [p for p in self.panels if any(m.username == username for m in p.members)]


def load_directory(path: Path = DEFAULT_DIRECTORY) -> PanelDirectory:
    try:
        return PanelDirectory.model_validate(yaml.safe_load(path.read_text()))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigurationError(f"{path}: cannot read the panel directory: {exc}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigurationError(f"{path}: invalid panel directory: {problems}") from exc
