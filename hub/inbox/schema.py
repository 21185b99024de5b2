"""The inbox's tables (SQLAlchemy Core), as the latest migration leaves them.

Core rather than the ORM: the store's queries are few and plain, and Core's one dialect layer
is what lets the same code run on SQLite (one file, no server) and PostgreSQL (deployments).
Times are naive UTC ``DateTime`` columns: SQLite has no time zones.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

alerts = Table(
    "alerts",
    metadata,
    Column("alert_id", String(128), primary_key=True),
    Column("panel", String(128), nullable=False, index=True),
    Column("panel_family", String(64), nullable=False),
    Column("person_id", String(128), nullable=False, index=True),
    Column("area", String(64)),
    Column("rules", Text, nullable=False),  # comma-separated rule ids, for filtering
    Column("created_at", DateTime, nullable=False, index=True),
    Column("received_at", DateTime, nullable=False),
    Column("document", Text, nullable=False),  # the alert document, JSON, as delivered
    Column("status", String(20), nullable=False, default="new"),
    Column("assignee", String(64)),
    Column("action_taken", String(40)),
    Column("updated_at", DateTime, nullable=False),
)

alert_notes = Table(
    "alert_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", String(128), ForeignKey("alerts.alert_id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("author", String(64), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("text", Text, nullable=False, default=""),
)

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("totp_secret", Text, nullable=False),  # encrypted: hub/inbox/secretbox.py
    Column("last_totp_step", BigInteger),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("locked_until", DateTime),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # SHA-256 of the cookie's token
    Column("username", String(64), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen", DateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),  # the exact ISO text the hash covers
    Column("actor", String(64), nullable=False),
    Column("action", String(40), nullable=False),
    Column("panel", String(128)),
    Column("alert_id", String(128)),
    Column("detail", Text, nullable=False),  # canonical JSON
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)
