"""A fresh SQLite inbox store per test, with a clock the test moves by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hub.inbox.store import InboxStore
from hub.inbox.web.services import Services


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 24, 10, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[InboxStore]:
    opened = InboxStore.open(f"sqlite:///{tmp_path / 'inbox.db'}", clock=clock)
    try:
        yield opened
    finally:
        opened.close()


PASSWORD = "a long enough passphrase"


@pytest.fixture
def keys_dir(tmp_path: Path) -> Path:
    from tests.unit.inbox.factory import make_keys

    return make_keys(tmp_path / "keys")


@pytest.fixture
def services(store: InboxStore, keys_dir: Path, clock: Clock) -> Services:
    from prometheus_client import CollectorRegistry

    from hub.config import InboxSettings
    from hub.inbox.web.services import build_services

    settings = InboxSettings(
        keys_dir=keys_dir,
        cookie_secure="never",
        share_related_panels=frozenset({"iom"}),
        min_reason_length=10,
    )
    return build_services(settings, CollectorRegistry(), store=store)


def totp_now(services: Services, username: str) -> str:
    from datetime import UTC

    from hub.inbox import totp

    secret = services.accounts.totp_secret(username)
    if secret is None:  # enrolled when first needed: Argon2 is slow on purpose
        secret = services.accounts.add(username, PASSWORD).totp_secret
    return totp.totp(secret, services.store.clock().replace(tzinfo=UTC).timestamp())
