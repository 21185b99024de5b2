"""Sign-in (password + TOTP, replay refused, lockout) and session expiry."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.config import InboxSettings
from hub.inbox import totp
from hub.inbox.accounts import Accounts
from hub.inbox.errors import InboxError
from hub.inbox.schema import users
from hub.inbox.secretbox import KEY_FILE
from hub.inbox.sessions import Sessions
from hub.inbox.store import InboxStore
from tests.unit.inbox.conftest import Clock

PASSWORD = "a long enough passphrase"


def _code(clock: Clock, secret: str) -> str:
    """clock.now is naive UTC, as the store keeps it."""
    return totp.totp(secret, clock.now.replace(tzinfo=UTC).timestamp())


def test_sign_in_needs_password_and_a_fresh_code(
    store: InboxStore, clock: Clock, tmp_path: Path
) -> None:
    accounts = Accounts(store, InboxSettings(keys_dir=tmp_path))
    enrolled = accounts.add("iom.lead", PASSWORD)
    assert enrolled.provisioning_uri.startswith("otpauth://totp/")
    code = _code(clock, enrolled.totp_secret)
    assert accounts.authenticate("iom.lead", "wrong password!!", code) == "bad_credentials"
    assert accounts.authenticate("iom.lead", PASSWORD, "000000" if code != "000000" else "1") == (
        "bad_credentials"
    )
    assert accounts.authenticate("iom.lead", PASSWORD, code) == "success"
    assert accounts.authenticate("iom.lead", PASSWORD, code) == "bad_credentials"  # replay
    clock.advance(30)
    assert accounts.authenticate("iom.lead", PASSWORD, _code(clock, enrolled.totp_secret)) == (
        "success"
    )
    assert accounts.authenticate("nobody", PASSWORD, code) == "bad_credentials"


def test_enrolling_twice_needs_replace(store: InboxStore, tmp_path: Path) -> None:
    accounts = Accounts(store, InboxSettings(keys_dir=tmp_path))
    first = accounts.add("iom.lead", PASSWORD)
    with pytest.raises(InboxError, match="already exists"):
        accounts.add("iom.lead", PASSWORD)
    second = accounts.add("iom.lead", PASSWORD, replace=True)
    assert second.totp_secret != first.totp_secret
    assert [r.action for r in _audit(store)] == ["user.enrol", "user.enrol"]


def _audit(store: InboxStore) -> list:  # type: ignore[type-arg]
    from hub.inbox import audit

    with store.engine.connect() as conn:
        return audit.records(conn)


def test_lockout_after_repeated_failures_then_it_expires(
    store: InboxStore, clock: Clock, tmp_path: Path
) -> None:
    accounts = Accounts(store, InboxSettings(keys_dir=tmp_path, max_failures=3, lockout_s=600))
    enrolled = accounts.add("iom.lead", PASSWORD)
    for _ in range(3):
        assert accounts.authenticate("iom.lead", "wrong password!!", "123456") == "bad_credentials"
    right = _code(clock, enrolled.totp_secret)
    assert accounts.authenticate("iom.lead", PASSWORD, right) == "locked"
    clock.advance(601)
    assert accounts.authenticate("iom.lead", PASSWORD, _code(clock, enrolled.totp_secret)) == (
        "success"
    )


def test_unknown_users_are_locked_out_too(store: InboxStore, tmp_path: Path) -> None:
    accounts = Accounts(store, InboxSettings(keys_dir=tmp_path, max_failures=2))
    for _ in range(2):
        assert accounts.authenticate("ghost", PASSWORD, "123456") == "bad_credentials"
    assert accounts.authenticate("ghost", PASSWORD, "123456") == "locked"


def test_session_idle_timeout(store: InboxStore, clock: Clock) -> None:
    sessions = Sessions(store, InboxSettings(session_idle_s=60, session_absolute_s=3600))
    token, session = sessions.create("iom.lead")
    assert sessions.get(token) == session
    clock.advance(59)
    assert sessions.get(token) == session  # touched: idle restarts
    clock.advance(59)
    assert sessions.get(token) == session
    clock.advance(61)
    assert sessions.get(token) is None
    assert sessions.get(token) is None  # deleted, not just refused


def test_session_absolute_timeout_even_when_active(store: InboxStore, clock: Clock) -> None:
    sessions = Sessions(store, InboxSettings(session_idle_s=60, session_absolute_s=150))
    token, _ = sessions.create("iom.lead")
    for _ in range(2):
        clock.advance(50)
        assert sessions.get(token) is not None
    clock.advance(51)
    assert sessions.get(token) is None


def test_sessions_are_stored_hashed_and_signed_out(store: InboxStore, clock: Clock) -> None:
    sessions = Sessions(store, InboxSettings(session_idle_s=60))
    token, session = sessions.create("iom.lead")
    other, _ = sessions.create("iom.lead")
    assert session.csrf
    assert session.csrf != token
    with store.engine.connect() as conn:
        from sqlalchemy import text

        stored = list(conn.execute(text("SELECT token_hash FROM sessions")).scalars())
    assert token not in stored
    sessions.delete(token)
    assert sessions.get(token) is None
    assert sessions.get("made-up") is None
    clock.advance(61)
    assert sessions.purge() == 1
    assert sessions.get(other) is None


def test_totp_secrets_are_stored_encrypted_and_bound_to_their_member(
    store: InboxStore, clock: Clock, tmp_path: Path
) -> None:
    accounts = Accounts(store, InboxSettings(keys_dir=tmp_path))
    lead = accounts.add("iom.lead", PASSWORD)
    other = accounts.add("csh.lead", PASSWORD)
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    with store.engine.connect() as conn:
        stored = dict(conn.execute(select(users.c.username, users.c.totp_secret)).all())
    assert lead.totp_secret not in stored["iom.lead"]
    assert stored["iom.lead"].startswith("gcm1:")
    assert accounts.totp_secret("iom.lead") == lead.totp_secret

    # another member's ciphertext copied onto this row does not open
    with store.writing() as conn:
        conn.execute(
            users.update()
            .where(users.c.username == "iom.lead")
            .values(totp_secret=stored["csh.lead"])
        )
    with pytest.raises(InboxError, match="TOTP key does not match its store") as refused:
        accounts.authenticate("iom.lead", PASSWORD, _code(clock, other.totp_secret))
    assert "iom.lead" not in str(refused.value)  # the sign-in page names no member
    with pytest.raises(InboxError, match=r"TOTP secret of iom\.lead does not open"):
        accounts.totp_secret("iom.lead")

    # without the key file, reading refuses, and makes no key of its own
    elsewhere = Accounts(store, InboxSettings(keys_dir=tmp_path / "other"))
    with pytest.raises(InboxError, match="copy it from where members were enrolled"):
        elsewhere.totp_secret("csh.lead")
    assert not (tmp_path / "other" / KEY_FILE).exists()

    # and with another key file, it says why
    elsewhere.add("new.member", PASSWORD)  # enrolment writes that other key
    with pytest.raises(InboxError, match="enrolled under another key file"):
        elsewhere.totp_secret("csh.lead")


def test_secrets_stored_in_plain_by_an_older_version_are_encrypted(
    store: InboxStore, clock: Clock, tmp_path: Path
) -> None:
    accounts = Accounts(store, InboxSettings(keys_dir=tmp_path))
    enrolled = accounts.add("iom.lead", PASSWORD)
    with store.writing() as conn:  # the row as an older version wrote it
        conn.execute(users.update().values(totp_secret=enrolled.totp_secret))
    assert accounts.encrypt_plain_secrets() == 1
    assert accounts.encrypt_plain_secrets() == 0
    with store.engine.connect() as conn:
        assert conn.execute(select(users.c.totp_secret)).scalar_one().startswith("gcm1:")
    assert accounts.authenticate("iom.lead", PASSWORD, _code(clock, enrolled.totp_secret)) == (
        "success"
    )
