"""What a signed-in member can do, with every check and audit record in one place.

The pages and the JSON API are two faces of this class, so they cannot drift apart on who
may see or do what. An alert of another panel answers "not found", never "forbidden", so
guessing ids tells nothing about what exists.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.config import InboxSettings
from hub.inbox.authz import Viewer
from hub.inbox.errors import InboxError
from hub.inbox.identity import IdentityService
from hub.inbox.metrics import InboxMetrics
from hub.inbox.store import ACTIONS, Alert, InboxStore, Note
from hub.panels.directory import Member, Panel, PanelDirectory
from hub.rules.policy import Policy

log = logging.getLogger(__name__)


class NotFound(InboxError):
    """No such alert for this member (it may exist for another panel)."""


class Forbidden(InboxError):
    """The member sees the alert but lacks the role for this action."""


class BadRequest(InboxError):
    """The request is incomplete (a reason too short, an unknown action)."""


@dataclass(frozen=True)
class Related:
    panel: str
    panel_name: str
    created_at: datetime
    rules: list[str]


@dataclass(frozen=True)
class AlertView:
    alert: Alert
    panel: Panel
    may_open_identity: bool
    may_manage: bool
    members: list[Member]
    notes: list[Note]
    timeline: list[dict[str, Any]]
    related: list[Related] | None  # None: this panel's policy does not show them
    rule_descriptions: dict[str, str]
    policy_in_force: str | None

    @property
    def policy_version(self) -> str | None:
        fields = self.alert.document.get("fields") or {}
        return fields.get("policy_version")

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.alert.document.get("fields") or {})

    @property
    def has_sealed_identity(self) -> bool:
        return bool(self.alert.document.get("sealed"))


class Inbox:
    def __init__(
        self,
        store: InboxStore,
        directory: PanelDirectory,
        settings: InboxSettings,
        identity: IdentityService,
        metrics: InboxMetrics | None = None,
        policy: Policy | None = None,
    ) -> None:
        self.store = store
        self.directory = directory
        self.settings = settings
        self.identity = identity
        self.metrics = metrics
        self.policy = policy

    def viewer(self, username: str) -> Viewer | None:
        return Viewer.of(self.directory, username)

    # -- reading -----------------------------------------------------------------------------

    def alerts(
        self,
        viewer: Viewer,
        *,
        rule: str | None = None,
        status: str | None = None,
        area: str | None = None,
    ) -> list[Alert]:
        exact, prefixes = viewer.panel_query()
        return self.store.list_alerts(
            viewer.can_see,
            rule=rule,
            status=status,
            area=area,
            panels=exact,
            panel_prefixes=prefixes,
        )

    def alert(self, viewer: Viewer, alert_id: str) -> Alert:
        alert = self.store.get_alert(alert_id)
        if alert is None or not viewer.can_see(alert.panel):
            if alert is not None:
                log.warning("%s asked for alert %s of another panel", viewer.username, alert_id)
            raise NotFound(f"no alert {alert_id}")
        return alert

    def view(self, viewer: Viewer, alert_id: str) -> AlertView:
        alert = self.alert(viewer, alert_id)
        entry = viewer.entry(alert.panel)
        assert entry is not None  # alert() checked
        related = None
        if entry.id in self.settings.share_related_panels:
            related = [
                Related(r.panel, self.panel_name(r.panel), r.created_at, r.rules)
                for r in self.store.related(alert)
            ]
        timeline = sorted(
            alert.document.get("evidence") or [], key=lambda e: e.get("occurred_on") or ""
        )
        return AlertView(
            alert,
            entry,
            viewer.may_open_identity(alert.panel),
            viewer.may_manage(alert.panel),
            list(entry.members),
            self.store.notes(alert.alert_id),
            timeline,
            related,
            {r.id: r.description for r in self.policy.rules} if self.policy else {},
            self.policy.version if self.policy else None,
        )

    def panel_name(self, panel_id: str) -> str:
        entry = self.directory.panel(panel_id)
        return entry.name if entry else panel_id

    # -- opening the identity ----------------------------------------------------------------

    def open_identity(self, viewer: Viewer, alert_id: str, reason: str) -> dict[str, Any]:
        alert = self.alert(viewer, alert_id)
        reason = " ".join(reason.split())
        if not viewer.may_open_identity(alert.panel):
            self.store.audit(
                viewer.username,
                "identity.denied",
                panel=alert.panel,
                alert_id=alert.alert_id,
                detail={"reason": reason, "why": "no identity-opener role"},
            )
            raise Forbidden("opening the identity needs the identity-opener role on this panel")
        if len(reason) < self.settings.min_reason_length:
            raise BadRequest(
                f"give a reason of at least {self.settings.min_reason_length} characters"
            )
        # Recorded before anything is revealed: no opening without its audit record.
        self.store.audit(
            viewer.username,
            "identity.open",
            panel=alert.panel,
            alert_id=alert.alert_id,
            detail={"reason": reason},
        )
        entry = viewer.entry(alert.panel)
        assert entry is not None  # alert() checked
        try:
            identity = self.identity.open(alert.document, entry.recipient)
        except InboxError as exc:
            self.store.audit(
                viewer.username,
                "identity.failed",
                panel=alert.panel,
                alert_id=alert.alert_id,
                detail={"error": str(exc)},
            )
            raise
        if self.metrics is not None:
            self.metrics.opened(alert.panel)
        return identity

    # -- status and notes --------------------------------------------------------------------

    def _changeable(self, viewer: Viewer, alert_id: str, kind: str, manage: bool) -> Alert:
        alert = self.alert(viewer, alert_id)
        if manage and not viewer.may_manage(alert.panel):
            self.store.audit(
                viewer.username,
                "alert.denied",
                panel=alert.panel,
                alert_id=alert.alert_id,
                detail={"change": kind, "why": "needs the chair role"},
            )
            raise Forbidden(f"only the panel's chair may {kind} an alert")
        if alert.status == "closed":
            raise BadRequest("this alert is closed")
        return alert

    def acknowledge(self, viewer: Viewer, alert_id: str, note: str = "") -> None:
        alert = self._changeable(viewer, alert_id, "acknowledge", manage=False)
        status = "acknowledged" if alert.status == "new" else None
        self.store.change(alert, viewer.username, "acknowledge", status=status, note=note.strip())

    def assign(self, viewer: Viewer, alert_id: str, assignee: str, note: str = "") -> None:
        alert = self._changeable(viewer, alert_id, "assign", manage=True)
        entry = viewer.entry(alert.panel)
        if entry is None or not any(m.username == assignee for m in entry.members):
            raise BadRequest(f"{assignee!r} is not a member of this panel")
        self.store.change(
            alert, viewer.username, "assign", status="assigned", assignee=assignee, note=note
        )

    def record_action(self, viewer: Viewer, alert_id: str, action: str, note: str) -> None:
        alert = self._changeable(viewer, alert_id, "action", manage=False)
        if action not in ACTIONS:
            raise BadRequest(f"the action must be one of: {', '.join(ACTIONS)}")
        if not note.strip():
            raise BadRequest("say what was done in a note")
        self.store.change(
            alert,
            viewer.username,
            "action",
            status="actioned",
            action_taken=action,
            note=note.strip(),
        )

    def close(self, viewer: Viewer, alert_id: str, note: str = "") -> None:
        alert = self._changeable(viewer, alert_id, "close", manage=True)
        self.store.change(alert, viewer.username, "close", status="closed", note=note.strip())
