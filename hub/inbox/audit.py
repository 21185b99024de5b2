"""The append-only, hash-chained audit log of everything done in the inbox.

Each record's hash is SHA-256 over its canonical JSON, which includes the previous record's
hash, so editing, deleting or reordering any record breaks the chain from that record on, and
``hub audit verify`` names the first record that fails. The database also refuses UPDATE and
DELETE on the table (migration 2). A chain cannot show by itself that its *newest* records
were cut off: ``verify`` prints the head hash, for the partnership to record out of band (for
example in the monthly governance minutes) and pass back later with ``--expect-head``; and
``hub audit export`` writes a JSONL copy to keep outside the database, verifiable alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from hub.inbox.errors import AuditChainBroken
from hub.inbox.schema import audit_log

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    at: str
    actor: str
    action: str
    panel: str | None
    alert_id: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def record_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    panel: str | None,
    alert_id: str | None,
    detail: dict[str, Any],
    prev_hash: str,
) -> str:
    body = {
        "seq": seq,
        "at": at,
        "actor": actor,
        "action": action,
        "panel": panel,
        "alert_id": alert_id,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def append(
    conn: Connection,
    *,
    actor: str,
    action: str,
    panel: str | None = None,
    alert_id: str | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditRecord:
    """Add one record inside the caller's transaction (so the change and its record commit
    together); the caller serialises writers, and the primary key on ``seq`` refuses a fork."""
    last = conn.execute(
        select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
    ).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="microseconds")
    detail = detail or {}
    digest = record_hash(seq, at, actor, action, panel, alert_id, detail, prev)
    conn.execute(
        audit_log.insert().values(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            panel=panel,
            alert_id=alert_id,
            detail=canonical(detail),
            prev_hash=prev,
            hash=digest,
        )
    )
    return AuditRecord(seq, at, actor, action, panel, alert_id, detail, prev, digest)


def records(conn: Connection) -> list[AuditRecord]:
    rows = conn.execute(select(audit_log).order_by(audit_log.c.seq)).all()
    return [
        AuditRecord(
            r.seq,
            r.at,
            r.actor,
            r.action,
            r.panel,
            r.alert_id,
            json.loads(r.detail),
            r.prev_hash,
            r.hash,
        )
        for r in rows
    ]


def verify(conn: Connection) -> tuple[int, str]:
    """(records checked, head hash); raises :class:`AuditChainBroken` at the first bad one."""
    return verify_records(records(conn))


def verify_records(chain: Iterable[AuditRecord], expect: str | None = None) -> tuple[int, str]:
    """Check a chain (from the database or an exported JSONL copy) from its first record.

    ``expect`` is a head hash recorded earlier out of band: the chain must still contain it,
    which shows that no record up to that point has been cut off the end.
    """
    prev, expected, seen_expected = GENESIS, 1, expect is None
    for rec in chain:
        if rec.seq != expected:
            raise AuditChainBroken(
                rec.seq, f"expected record {expected} here: a record was deleted or moved"
            )
        if rec.prev_hash != prev:
            raise AuditChainBroken(
                rec.seq, "does not follow the record before it (deleted, inserted or reordered)"
            )
        digest = record_hash(
            rec.seq, rec.at, rec.actor, rec.action, rec.panel, rec.alert_id, rec.detail, prev
        )
        if digest != rec.hash:
            raise AuditChainBroken(rec.seq, "its content does not match its hash (edited)")
        seen_expected = seen_expected or rec.hash == expect
        prev, expected = rec.hash, expected + 1
    if not seen_expected:
        raise AuditChainBroken(
            expected, f"the chain ends before the expected head {expect}: records were cut off"
        )
    return expected - 1, prev


def to_json(record: AuditRecord) -> str:
    """One line of an exported copy (``hub audit export``)."""
    return canonical(asdict(record))


def from_json(line: str) -> AuditRecord:
    data = json.loads(line)
    return AuditRecord(**{name: data[name] for name in AuditRecord.__dataclass_fields__})
