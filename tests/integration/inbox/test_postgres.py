"""The inbox store on a real PostgreSQL server (Debian's binaries, a throwaway cluster):
the same data-access layer and migrations as on SQLite."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from hub.config import InboxSettings
from hub.inbox.accounts import Accounts
from hub.inbox.errors import AuditChainBroken
from hub.inbox.identity import IdentityService
from hub.inbox.migrations import MIGRATIONS, migrate
from hub.inbox.service import Inbox
from hub.inbox.sessions import Sessions
from hub.inbox.store import InboxStore
from hub.panels.directory import load_directory
from tests.unit.inbox.factory import document, make_keys


def test_store_alerts_filters_and_migrations(pg_url: str) -> None:
    store = InboxStore.open(pg_url)
    try:
        base = datetime(2026, 11, 1, tzinfo=UTC)
        old = document("iom", rules=["prison_release"], created_at=base)
        new = document("iom", rules=["a", "several_agencies"], created_at=base + timedelta(1))
        assert store.add_alert(old) is True
        assert store.add_alert(new) is True
        assert store.add_alert(old) is False
        listed = store.list_alerts(lambda p: p == "iom")
        assert [a.alert_id for a in listed] == [new["alert_id"], old["alert_id"]]
        by_rule = store.list_alerts(lambda _p: True, rule="several_agencies")
        assert [a.alert_id for a in by_rule] == [new["alert_id"]]
        assert store.get_alert(old["alert_id"]).document == old  # type: ignore[union-attr]
        assert migrate(store.engine) == []
        with store.engine.connect() as conn:
            versions = conn.execute(text("SELECT version FROM schema_migrations")).scalars()
            assert sorted(versions) == [v for v, _, _ in MIGRATIONS]
    finally:
        store.close()


def test_a_store_from_before_encrypted_totp_secrets_is_migrated(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    store = InboxStore.open(pg_url)
    try:
        with store.engine.begin() as conn:  # back to v2: a 64-character column, v3 not applied
            conn.execute(text("ALTER TABLE users ALTER COLUMN totp_secret TYPE VARCHAR(64)"))
            conn.execute(text("DELETE FROM schema_migrations WHERE version = 3"))
        assert migrate(store.engine) == [3]
        settings = InboxSettings(database_url=pg_url, keys_dir=tmp_path_factory.mktemp("totp"))
        enrolled = Accounts(store, settings).add("v2.member", "a long enough passphrase")
        assert Accounts(store, settings).totp_secret("v2.member") == enrolled.totp_secret
    finally:
        store.close()


def test_audit_chain_is_append_only_and_tampering_is_named(pg_url: str) -> None:
    store = InboxStore.open(pg_url)
    try:
        doc = document("iom")
        store.add_alert(doc)
        alert = store.get_alert(doc["alert_id"])
        assert alert is not None
        store.change(alert, "iom.lead", "acknowledge", status="acknowledged")
        for i in range(3):
            store.audit("iom.lead", "identity.open", panel="iom", detail={"reason": f"r{i}"})
        assert store.verify_audit()[0] == 4
        for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as conn:
                conn.execute(text(statement))
        with store.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER audit_log_no_change ON audit_log"))
            conn.execute(text('UPDATE audit_log SET detail = \'{"reason":"x"}\' WHERE seq = 3'))
        with pytest.raises(AuditChainBroken) as caught:
            store.verify_audit()
        assert caught.value.seq == 3
    finally:
        store.close()


def test_two_writers_keep_one_chain(pg_url: str) -> None:
    stores = [InboxStore.open(pg_url), InboxStore.open(pg_url)]
    errors: list[BaseException] = []

    def work(store: InboxStore, who: str) -> None:
        try:
            for i in range(15):
                store.audit(who, "identity.open", detail={"i": i})
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(stores[n % 2], f"user{n}")) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        assert stores[0].verify_audit()[0] == 60
    finally:
        for store in stores:
            store.close()


def test_sign_in_sessions_and_identity_opening(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    keys = make_keys(tmp_path_factory.mktemp("pgkeys"))
    settings = InboxSettings(database_url=pg_url, keys_dir=keys, min_reason_length=5)
    store = InboxStore.open(pg_url)
    try:
        accounts = Accounts(store, settings)
        enrolled = accounts.add("iom.lead", "a long enough passphrase")
        from hub.inbox import totp

        code = totp.totp(enrolled.totp_secret, datetime.now(UTC).timestamp())
        assert accounts.authenticate("iom.lead", "a long enough passphrase", code) == "success"
        sessions = Sessions(store, settings)
        token, session = sessions.create("iom.lead")
        assert sessions.get(token) == session
        doc = document("iom", keys_dir=keys, name=("Pat", "Postgres"))
        store.add_alert(doc)
        inbox = Inbox(store, load_directory(), settings, IdentityService(keys))
        viewer = inbox.viewer("iom.lead")
        assert viewer is not None
        opened = inbox.open_identity(viewer, doc["alert_id"], "panel meeting")
        assert (opened["given_name"], opened["family_name"]) == ("Pat", "Postgres")
        assert store.verify_audit()[0] == 2  # enrolment, opening
    finally:
        store.close()
