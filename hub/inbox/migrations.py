"""Versioned schema migrations: a list in code and a ``schema_migrations`` table.

Alembic would be the choice for a large schema with many authors; the inbox has six tables
and one writer, so a numbered list applied in order, each in its own transaction, is easier to
audit and needs no extra tool or config file. A change to the schema is a new entry here
(never an edit of an applied one) plus the matching change in ``schema.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Column, Connection, DateTime, Engine, Integer, MetaData, Table, select, text

from hub.inbox import schema

log = logging.getLogger(__name__)

_meta = MetaData()
schema_migrations = Table(
    "schema_migrations",
    _meta,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("applied_at", DateTime, nullable=False),
)


def _v1_tables(conn: Connection) -> None:
    schema.metadata.create_all(conn)


def _v2_append_only_audit(conn: Connection) -> None:
    """The database itself refuses to change or delete an audit record."""
    if conn.dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            conn.execute(
                text(
                    f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                )
            )
    elif conn.dialect.name == "postgresql":
        conn.execute(
            text(
                "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
            )
        )


def _v3_room_for_encrypted_totp_secrets(conn: Connection) -> None:
    """An encrypted secret is longer than the 64 characters of v1 (SQLite never enforced it);
    ``Accounts.encrypt_plain_secrets`` encrypts the existing ones, which needs the key."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE users ALTER COLUMN totp_secret TYPE TEXT"))


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "tables", _v1_tables),
    (2, "append-only audit log", _v2_append_only_audit),
    (3, "room for encrypted TOTP secrets", _v3_room_for_encrypted_totp_secrets),
]


def migrate(engine: Engine) -> list[int]:
    """Apply every migration not yet applied; returns the versions applied now."""
    _meta.create_all(engine)
    with engine.connect() as conn:
        done = set(conn.execute(select(schema_migrations.c.version)).scalars())
    applied: list[int] = []
    for version, name, step in MIGRATIONS:
        if version in done:
            continue
        with engine.begin() as conn:
            step(conn)
            conn.execute(
                schema_migrations.insert().values(
                    version=version, applied_at=datetime.now(UTC).replace(tzinfo=None)
                )
            )
        log.info("inbox store: applied migration %d (%s)", version, name)
        applied.append(version)
    return applied
