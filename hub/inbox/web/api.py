"""The JSON API behind the pages (OpenAPI at /api/openapi.json), with the same rules.

Sign in through the page (the session cookie), read the CSRF token from ``GET /api/me``, and
send it as ``X-CSRF-Token`` on every POST.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header
from pydantic import BaseModel, Field

from hub.inbox.service import AlertView
from hub.inbox.store import Alert
from hub.inbox.web.auth import CSRF_HEADER, Current, check_csrf, current_user
from hub.inbox.web.pages import apply_change
from hub.inbox.web.services import Services


class PanelRoles(BaseModel):
    id: str
    name: str
    roles: list[str]


class Me(BaseModel):
    username: str
    name: str
    panels: list[PanelRoles]
    csrf_token: str = Field(description=f"send back as {CSRF_HEADER} on every POST")


class AlertSummary(BaseModel):
    alert_id: str
    panel: str
    panel_family: str
    area: str | None
    rules: list[str]
    created_at: datetime
    status: str
    assignee: str | None
    action_taken: str | None


class Evidence(BaseModel):
    event_id: str
    partner: str | None = None
    occurred_on: str | None = None
    category: str | None = None
    source_record_ref: str | None = None


class NoteOut(BaseModel):
    at: datetime
    author: str
    kind: str
    text: str


class RelatedOut(BaseModel):
    panel: str
    panel_name: str
    created_at: datetime
    rules: list[str]


class AlertDetail(AlertSummary):
    person_id: str
    fields: dict[str, str]
    policy_version: str | None = Field(description="the policy version the alert records, if any")
    rule_descriptions: dict[str, str] = Field(description="from the policy in force now")
    evidence: list[Evidence]
    notes: list[NoteOut]
    has_sealed_identity: bool
    may_open_identity: bool
    may_manage: bool
    related: list[RelatedOut] | None = Field(
        description="other panels with alerts about this person; null where policy hides them"
    )


class OpenRequest(BaseModel):
    reason: str = Field(description="why the identity is needed; recorded in the audit log")


class OpenedIdentity(BaseModel):
    alert_id: str
    identity: dict[str, Any]


class ChangeRequest(BaseModel):
    change: Literal["acknowledge", "assign", "action", "close"]
    assignee: str = ""
    action: str = Field("", description="referred | support offered | no further action")
    note: str = ""


def _summary(alert: Alert) -> dict[str, Any]:
    return {
        "alert_id": alert.alert_id,
        "panel": alert.panel,
        "panel_family": alert.panel_family,
        "area": alert.area,
        "rules": alert.rules,
        "created_at": alert.created_at,
        "status": alert.status,
        "assignee": alert.assignee,
        "action_taken": alert.action_taken,
    }


def _detail(view: AlertView) -> AlertDetail:
    return AlertDetail(
        **_summary(view.alert),
        person_id=view.alert.person_id,
        fields=view.fields,
        policy_version=view.policy_version,
        rule_descriptions={
            r: view.rule_descriptions[r] for r in view.alert.rules if r in view.rule_descriptions
        },
        evidence=[Evidence(**e) for e in view.timeline],
        notes=[NoteOut(at=n.at, author=n.author, kind=n.kind, text=n.text) for n in view.notes],
        has_sealed_identity=view.has_sealed_identity,
        may_open_identity=view.may_open_identity,
        may_manage=view.may_manage,
        related=None if view.related is None else [RelatedOut(**r.__dict__) for r in view.related],
    )


def router(services: Services) -> APIRouter:
    api = APIRouter(prefix="/api", tags=["inbox"])
    signed_in = Annotated[Current, Depends(current_user(services))]
    csrf_header = Annotated[str | None, Header(alias=CSRF_HEADER)]

    @api.get("/me", response_model=Me)
    def me(current: signed_in) -> Me:
        viewer = current.viewer
        return Me(
            username=viewer.username,
            name=viewer.name,
            panels=[
                PanelRoles(
                    id=p.id,
                    name=p.name,
                    roles=sorted(next(m.roles for m in p.members if m.username == viewer.username)),
                )
                for p in viewer.panels()
            ],
            csrf_token=current.session.csrf,
        )

    @api.get("/alerts", response_model=list[AlertSummary])
    def alerts(
        current: signed_in,
        rule: str | None = None,
        status: str | None = None,
        area: str | None = None,
    ) -> list[AlertSummary]:
        found = services.inbox.alerts(current.viewer, rule=rule, status=status, area=area)
        return [AlertSummary(**_summary(a)) for a in found]

    @api.get("/alerts/{alert_id}", response_model=AlertDetail)
    def alert(alert_id: str, current: signed_in) -> AlertDetail:
        return _detail(services.inbox.view(current.viewer, alert_id))

    @api.post("/alerts/{alert_id}/identity", response_model=OpenedIdentity)
    def open_identity(
        alert_id: str, body: OpenRequest, current: signed_in, x_csrf_token: csrf_header = None
    ) -> OpenedIdentity:
        check_csrf(current.session.csrf, x_csrf_token)
        identity = services.inbox.open_identity(current.viewer, alert_id, body.reason)
        return OpenedIdentity(alert_id=alert_id, identity=identity)

    @api.post("/alerts/{alert_id}/changes", response_model=AlertDetail)
    def change(
        alert_id: str, body: ChangeRequest, current: signed_in, x_csrf_token: csrf_header = None
    ) -> AlertDetail:
        check_csrf(current.session.csrf, x_csrf_token)
        apply_change(
            services, current, alert_id, body.change, body.assignee, body.action, body.note
        )
        return _detail(services.inbox.view(current.viewer, alert_id))

    return api
