"""Panel members' accounts: password, second factor, lockout after repeated failures.

Who a member *is* (name, panels, roles) comes from the panel directory; the store keeps only
what proves it is them, the TOTP secret encrypted (``secretbox``). A sign-in needs the
password and a fresh TOTP code; after ``max_failures`` failures in a row the account is locked
for ``lockout_s`` (unknown usernames are counted too, and every failure answers the same, so a
guesser learns nothing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Literal

from sqlalchemy import select

from hub.config import InboxSettings
from hub.inbox import passwords, totp
from hub.inbox.errors import InboxError
from hub.inbox.schema import login_failures, users
from hub.inbox.secretbox import SecretBox, is_encrypted
from hub.inbox.store import InboxStore

log = logging.getLogger(__name__)

Outcome = Literal["success", "bad_credentials", "locked"]


@dataclass(frozen=True)
class Enrolment:
    username: str
    totp_secret: str
    provisioning_uri: str


class Accounts:
    def __init__(self, store: InboxStore, settings: InboxSettings) -> None:
        self.store = store
        self.settings = settings
        self.box = SecretBox(settings.keys_dir)

    def encrypt_plain_secrets(self) -> int:
        """Encrypt secrets stored before they were encrypted; returns how many."""
        with self.store.writing() as conn:
            rows = conn.execute(select(users.c.username, users.c.totp_secret)).all()
            plain = [row for row in rows if not is_encrypted(row.totp_secret)]
            for row in plain:
                conn.execute(
                    users.update()
                    .where(users.c.username == row.username)
                    .values(totp_secret=self.box.encrypt(row.totp_secret, row.username))
                )
        if plain:
            log.info("inbox store: encrypted %d TOTP secrets stored in plain", len(plain))
        return len(plain)

    def add(
        self, username: str, password: str, *, replace: bool = False, actor: str = "cli"
    ) -> Enrolment:
        """Enrol a member (a new TOTP secret each time); ``replace`` resets an existing one."""
        hashed = passwords.hash_password(password)
        secret = totp.new_secret()
        row = {
            "username": username,
            "password_hash": hashed,
            "totp_secret": self.box.encrypt(secret, username),
            "last_totp_step": None,
            "disabled": False,
            "created_at": self.store.clock(),
        }
        with self.store.writing() as conn:
            existing = conn.execute(select(users.c.username).where(users.c.username == username))
            if existing.first() is not None:
                if not replace:
                    raise InboxError(f"user {username} already exists (use --replace to reset)")
                conn.execute(users.delete().where(users.c.username == username))
            conn.execute(users.insert().values(**row))
            conn.execute(login_failures.delete().where(login_failures.c.username == username))
        self.store.audit(actor, "user.enrol", detail={"username": username, "replace": replace})
        return Enrolment(username, secret, totp.provisioning_uri(secret, username))

    def authenticate(self, username: str, password: str, code: str) -> Outcome:
        now = self.store.clock()
        with self.store.engine.connect() as conn:
            user = conn.execute(select(users).where(users.c.username == username)).first()
            failure = conn.execute(
                select(login_failures).where(login_failures.c.username == username)
            ).first()
        if failure and failure.locked_until and failure.locked_until > now:
            passwords.verify_password(None, password)  # same work as a real attempt
            return "locked"
        ok_password = passwords.verify_password(user.password_hash if user else None, password)
        step = None
        if user is not None and ok_password and not user.disabled:
            try:
                secret = self.box.decrypt(user.totp_secret, username)
            except InboxError as exc:  # the operator's log names the member; the page not
                log.error("sign-in refused: %s", exc)
                raise InboxError(
                    "sign-in is unavailable: the inbox's TOTP key does not match its store"
                ) from None
            step = totp.matching_step(secret, code, now.replace(tzinfo=UTC).timestamp())
            if step is not None and user.last_totp_step is not None and step <= user.last_totp_step:
                step = None  # a replayed code
        if user is None or step is None:
            self._fail(username, failure.failures if failure else 0)
            return "bad_credentials"
        values: dict[str, object] = {"last_totp_step": step}
        if passwords.needs_rehash(user.password_hash):  # parameters raised since it was set
            values["password_hash"] = passwords.hash_password(password)
        with self.store.writing() as conn:
            conn.execute(users.update().where(users.c.username == username).values(values))
            conn.execute(login_failures.delete().where(login_failures.c.username == username))
        return "success"

    def _fail(self, username: str, before: int) -> None:
        failures = before + 1
        locked = None
        if failures >= self.settings.max_failures:
            locked = self.store.clock() + timedelta(seconds=self.settings.lockout_s)
            log.warning("sign-in locked for %s after %d failures", username, failures)
        with self.store.writing() as conn:
            conn.execute(login_failures.delete().where(login_failures.c.username == username))
            conn.execute(
                login_failures.insert().values(
                    username=username, failures=0 if locked else failures, locked_until=locked
                )
            )

    def exists(self, username: str) -> bool:
        with self.store.engine.connect() as conn:
            found = conn.execute(select(users.c.username).where(users.c.username == username))
            return found.first() is not None

    def totp_secret(self, username: str) -> str | None:
        """For tests and the demo's printed credentials only."""
        with self.store.engine.connect() as conn:
            row = conn.execute(select(users.c.totp_secret).where(users.c.username == username))
            found = row.first()
        return self.box.decrypt(found.totp_secret, username) if found else None
