"""Sign-in (password + TOTP, replay refused, lockout) and session expiry."""

from __future__ import annotations

from datetime import UTC

import pytest

from hub.config import InboxSettings
from hub.inbox import totp
from hub.inbox.accounts import Accounts
from hub.inbox.errors import InboxError
from hub.inbox.sessions import Sessions
from hub.inbox.store import InboxStore
from tests.unit.inbox.conftest import Clock

PASSWORD = "a long enough passphrase"


def _code(clock: Clock, secret: str) -> str:
    """clock.now is naive UTC, as the store keeps it."""
    return totp.totp(secret, clock.now.replace(tzinfo=UTC).timestamp())


def test_sign_in_needs_password_and_a_fresh_code(store: InboxStore, clock: Clock) -> None:
    accounts = Accounts(store, InboxSettings())
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


def test_enrolling_twice_needs_replace(store: InboxStore) -> None:
    accounts = Accounts(store, InboxSettings())
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


def test_lockout_after_repeated_failures_then_it_expires(store: InboxStore, clock: Clock) -> None:
    accounts = Accounts(store, InboxSettings(max_failures=3, lockout_s=600))
    enrolled = accounts.add("iom.lead", PASSWORD)
    for _ in range(3):
        assert accounts.authenticate("iom.lead", "wrong password!!", "123456") == "bad_credentials"
    right = _code(clock, enrolled.totp_secret)
    assert accounts.authenticate("iom.lead", PASSWORD, right) == "locked"
    clock.advance(601)
    assert accounts.authenticate("iom.lead", PASSWORD, _code(clock, enrolled.totp_secret)) == (
        "success"
    )


def test_unknown_users_are_locked_out_too(store: InboxStore) -> None:
    accounts = Accounts(store, InboxSettings(max_failures=2))
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
