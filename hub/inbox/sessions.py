"""Server-side sessions: the cookie holds a random token, the store holds only its SHA-256.

A session ends after ``session_idle_s`` without a request and after ``session_absolute_s`` in
all, whichever comes first; signing out deletes it. Each session has its own CSRF token that
every form and every state-changing API call must send back.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from hub.config import InboxSettings
from hub.inbox.schema import sessions
from hub.inbox.store import InboxStore


@dataclass(frozen=True)
class Session:
    username: str
    csrf: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    def __init__(self, store: InboxStore, settings: InboxSettings) -> None:
        self.store = store
        self.idle = timedelta(seconds=settings.session_idle_s)
        self.absolute = timedelta(seconds=settings.session_absolute_s)

    def create(self, username: str) -> tuple[str, Session]:
        """A new session; returns the cookie token (shown once, never stored) and the session."""
        token, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.store.clock()
        with self.store.writing() as conn:
            conn.execute(
                sessions.insert().values(
                    token_hash=_digest(token),
                    username=username,
                    csrf=csrf,
                    created_at=now,
                    last_seen=now,
                )
            )
        return token, Session(username, csrf)

    def get(self, token: str | None) -> Session | None:
        """The live session for a cookie token, touched; None (and deleted) once expired."""
        if not token:
            return None
        digest, now = _digest(token), self.store.clock()
        with self.store.engine.connect() as conn:
            row = conn.execute(select(sessions).where(sessions.c.token_hash == digest)).first()
        if row is None:
            return None
        if now - row.last_seen > self.idle or now - row.created_at > self.absolute:
            self.delete(token)
            return None
        with self.store.writing() as conn:
            conn.execute(
                sessions.update().where(sessions.c.token_hash == digest).values(last_seen=now)
            )
        return Session(row.username, row.csrf)

    def delete(self, token: str) -> None:
        with self.store.writing() as conn:
            conn.execute(sessions.delete().where(sessions.c.token_hash == _digest(token)))

    def purge(self) -> int:
        """Delete every expired session (called now and then by the app)."""
        now = self.store.clock()
        with self.store.writing() as conn:
            result = conn.execute(
                sessions.delete().where(
                    (sessions.c.last_seen < now - self.idle)
                    | (sessions.c.created_at < now - self.absolute)
                )
            )
        return result.rowcount
