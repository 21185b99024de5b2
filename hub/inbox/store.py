"""The inbox store: alerts as delivered, their status and notes, and the audit chain.

``InboxStore.open(url)`` runs the migrations and ``add_alert(document)`` is idempotent on
``alert_id``: what the delivery service's inbox channel calls (docs/delivery.md). Every change
to an alert and its audit record commit in one transaction, so neither exists without the
other.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, exists, func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import StaticPool

from hub.inbox import audit
from hub.inbox.errors import InboxError, InvalidAlertDocument
from hub.inbox.migrations import migrate
from hub.inbox.schema import alert_notes, alerts
from hub.routing.config import family_of

Status = Literal["new", "acknowledged", "assigned", "actioned", "closed"]
STATUSES: tuple[Status, ...] = ("new", "acknowledged", "assigned", "actioned", "closed")
ACTIONS = ("referred", "support offered", "no further action")
DOCUMENT_SCHEMA = "csp-hub.alert-document/1"
_CHAIN_ATTEMPTS = 5
T = TypeVar("T")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Alert:
    alert_id: str
    panel: str
    panel_family: str
    person_id: str
    area: str | None
    rules: list[str]
    created_at: datetime
    status: str
    assignee: str | None
    action_taken: str | None
    updated_at: datetime
    document: dict[str, Any]


@dataclass(frozen=True)
class Note:
    at: datetime
    author: str
    kind: str
    text: str


def _parse_time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise InvalidAlertDocument(f"{field}: expected an ISO-8601 string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidAlertDocument(f"{field}: {value!r} is not ISO-8601") from exc
    if moment.tzinfo is None:
        raise InvalidAlertDocument(f"{field}: {value!r} has no time zone")
    return moment.astimezone(UTC).replace(tzinfo=None)


def check_document(doc: Any) -> dict[str, Any]:
    """The fields the store relies on, checked; the error names the first bad field."""
    if not isinstance(doc, dict):
        raise InvalidAlertDocument("document: expected a JSON object")
    if doc.get("schema") != DOCUMENT_SCHEMA:
        raise InvalidAlertDocument(f"schema: expected {DOCUMENT_SCHEMA!r}")
    for field in ("alert_id", "panel", "person_id"):
        if not isinstance(doc.get(field), str) or not doc[field]:
            raise InvalidAlertDocument(f"{field}: expected a non-empty string")
    if family_of(doc["panel"]) is None:
        raise InvalidAlertDocument(f"panel: {doc['panel']!r} is not in any panel family")
    rules = doc.get("rules")
    if not isinstance(rules, list) or not rules or not all(isinstance(r, str) for r in rules):
        raise InvalidAlertDocument("rules: expected a non-empty list of strings")
    evidence = doc.get("evidence")
    if not isinstance(evidence, list):
        raise InvalidAlertDocument("evidence: expected a list")
    for i, item in enumerate(evidence):
        if not isinstance(item, dict) or not isinstance(item.get("event_id"), str):
            raise InvalidAlertDocument(f"evidence[{i}].event_id: expected a string")
    if not isinstance(doc.get("fields", {}), dict):
        raise InvalidAlertDocument("fields: expected an object")
    _parse_time(doc.get("created_at"), "created_at")
    return doc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")  # the delivery service writes while pages read
    cursor.close()


class InboxStore:
    """One data-access layer over SQLite or PostgreSQL; safe to share between threads."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self._write_lock = threading.Lock()

    @classmethod
    def open(cls, url: str, clock: Callable[[], datetime] = utcnow) -> InboxStore:
        if url in ("sqlite://", "sqlite:///:memory:"):
            # One shared in-memory database for every thread (tests, throwaway runs).
            engine = create_engine(
                url, poolclass=StaticPool, connect_args={"check_same_thread": False}
            )
        else:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        migrate(engine)
        return cls(engine, clock)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction at a time in this process; the database serialises the rest."""
        with self._write_lock, self.engine.begin() as conn:
            yield conn

    def _chained(self, write: Callable[[Connection], T]) -> T:
        """Run a write that appends to the audit chain; if another process took the same
        sequence number first (the primary key refuses a fork), do it again on the new head."""
        for attempt in range(_CHAIN_ATTEMPTS):
            try:
                with self.writing() as conn:
                    return write(conn)
            except (IntegrityError, OperationalError):  # a fork refused, or SQLite busy
                if attempt == _CHAIN_ATTEMPTS - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    # -- alerts in ---------------------------------------------------------------------------

    def add_alert(self, document: dict[str, Any]) -> bool:
        """Store a delivered alert; True if new, False if this alert_id was already stored."""
        doc = check_document(document)
        created = _parse_time(doc["created_at"], "created_at")
        fields = doc.get("fields") or {}
        now = self.clock()
        row = {
            "alert_id": doc["alert_id"],
            "panel": doc["panel"],
            "panel_family": family_of(doc["panel"]) or "default",
            "person_id": doc["person_id"],
            "area": fields.get("area") or _area_of_panel(doc["panel"]),
            "rules": ",".join(doc["rules"]),
            "created_at": created,
            "received_at": now,
            "document": json.dumps(doc, sort_keys=True),
            "status": "new",
            "updated_at": now,
        }
        try:
            with self.writing() as conn:
                seen = select(exists().where(alerts.c.alert_id == row["alert_id"]))
                if conn.execute(seen).scalar():
                    return False
                conn.execute(alerts.insert().values(**row))
        except IntegrityError:  # another process stored it between our check and insert
            return False
        return True

    # -- alerts out --------------------------------------------------------------------------

    def list_alerts(
        self,
        panel_ok: Callable[[str], bool],
        *,
        rule: str | None = None,
        status: str | None = None,
        area: str | None = None,
        limit: int = 500,
        panels: Sequence[str] | None = None,
        panel_prefixes: Sequence[str] = (),
    ) -> list[Alert]:
        """Newest first, only those whose panel ``panel_ok`` accepts (the caller's panels).

        ``panels`` and ``panel_prefixes`` narrow the query in the database first (exact ids,
        and template prefixes such as ``engage-``); ``panel_ok`` has the last word.
        """
        query = select(alerts).order_by(alerts.c.created_at.desc(), alerts.c.alert_id)
        if panels is not None:
            query = query.where(
                or_(
                    alerts.c.panel.in_(list(panels)),
                    *(alerts.c.panel.startswith(p, autoescape=True) for p in panel_prefixes),
                )
            )
        if status:
            query = query.where(alerts.c.status == status)
        if area:
            query = query.where(alerts.c.area == area)
        if rule:
            query = query.where(("," + alerts.c.rules + ",").contains(f",{rule},"))
        found: list[Alert] = []
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                if panel_ok(row.panel):
                    found.append(_alert(row))
                    if len(found) >= limit:
                        break
        return found

    def get_alert(self, alert_id: str) -> Alert | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(alerts).where(alerts.c.alert_id == alert_id)).first()
        return _alert(row) if row else None

    def related(self, alert: Alert) -> list[Alert]:
        """Other panels' alerts about the same person (shown only where policy allows)."""
        query = (
            select(alerts)
            .where(alerts.c.person_id == alert.person_id, alerts.c.panel != alert.panel)
            .order_by(alerts.c.created_at.desc())
        )
        with self.engine.connect() as conn:
            return [_alert(r) for r in conn.execute(query)]

    def notes(self, alert_id: str) -> list[Note]:
        query = select(alert_notes).where(alert_notes.c.alert_id == alert_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(alert_notes.c.id)).all()
        return [Note(r.at, r.author, r.kind, r.text) for r in rows]

    def counts(self) -> dict[tuple[str, str], int]:
        """Alerts per (panel family, status): the inbox gauge, never a person in a label."""
        query = select(alerts.c.panel_family, alerts.c.status, func.count()).group_by(
            alerts.c.panel_family, alerts.c.status
        )
        with self.engine.connect() as conn:
            return {(f, s): n for f, s, n in conn.execute(query)}

    # -- changes, each audited in the same transaction ---------------------------------------

    def change(
        self,
        alert: Alert,
        actor: str,
        kind: str,
        *,
        status: str | None = None,
        assignee: str | None = None,
        action_taken: str | None = None,
        note: str = "",
    ) -> None:
        values: dict[str, Any] = {"updated_at": self.clock()}
        if status:
            values["status"] = status
        if assignee:
            values["assignee"] = assignee
        if action_taken:
            values["action_taken"] = action_taken
        detail = {k: v for k, v in values.items() if k != "updated_at"}
        if note:
            detail["note"] = note

        def write(conn: Connection) -> None:
            conn.execute(alerts.update().where(alerts.c.alert_id == alert.alert_id).values(values))
            conn.execute(
                alert_notes.insert().values(
                    alert_id=alert.alert_id, at=self.clock(), author=actor, kind=kind, text=note
                )
            )
            audit.append(
                conn,
                actor=actor,
                action=f"alert.{kind}",
                panel=alert.panel,
                alert_id=alert.alert_id,
                detail=detail,
            )

        self._chained(write)

    def audit(
        self,
        actor: str,
        action: str,
        *,
        panel: str | None = None,
        alert_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> audit.AuditRecord:
        return self._chained(
            lambda conn: audit.append(
                conn, actor=actor, action=action, panel=panel, alert_id=alert_id, detail=detail
            )
        )

    def verify_audit(self) -> tuple[int, str]:
        with self.engine.connect() as conn:
            return audit.verify(conn)


def open_existing(url: str) -> InboxStore:
    """Open a store that must already exist (verifying an audit log that is not there must
    fail, not create an empty one that verifies)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise InboxError(f"no inbox store at {path}")
    return InboxStore.open(url)


def _area_of_panel(panel: str) -> str | None:
    """Engage panels are per area (``engage-E01900012``): the area is in the id."""
    family = family_of(panel)
    if family and panel.startswith(family + "-"):
        return panel[len(family) + 1 :]
    return None


def _alert(row: Any) -> Alert:
    return Alert(
        row.alert_id,
        row.panel,
        row.panel_family,
        row.person_id,
        row.area,
        row.rules.split(","),
        row.created_at,
        row.status,
        row.assignee,
        row.action_taken,
        row.updated_at,
        json.loads(row.document),
    )
