"""Everything the web app needs, built once from the settings (and closed at shutdown)."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from hub.config import InboxSettings
from hub.inbox.accounts import Accounts
from hub.inbox.identity import IdentityService
from hub.inbox.metrics import InboxMetrics
from hub.inbox.service import Inbox
from hub.inbox.sessions import Sessions
from hub.inbox.store import InboxStore
from hub.panels.directory import DEFAULT_DIRECTORY, PanelDirectory, load_directory
from hub.rules.policy import DEFAULT_POLICY, Policy, load_policy


@dataclass
class Services:
    settings: InboxSettings
    directory: PanelDirectory
    store: InboxStore
    inbox: Inbox
    accounts: Accounts
    sessions: Sessions
    metrics: InboxMetrics
    registry: CollectorRegistry

    def close(self) -> None:
        self.store.close()


def build_services(
    settings: InboxSettings,
    registry: CollectorRegistry,
    *,
    store: InboxStore | None = None,
    directory: PanelDirectory | None = None,
    policy: Policy | None = None,
) -> Services:
    """``directory`` and ``policy`` default to the shipped files (deploy/)."""
    store = store or InboxStore.open(settings.database_url)
    directory = directory or load_directory(DEFAULT_DIRECTORY)
    metrics = InboxMetrics(registry, store.counts)
    identity = IdentityService(settings.keys_dir)
    policy = policy or load_policy(DEFAULT_POLICY)
    inbox = Inbox(store, directory, settings, identity, metrics, policy)
    accounts = Accounts(store, settings)
    accounts.encrypt_plain_secrets()
    return Services(
        settings,
        directory,
        store,
        inbox,
        accounts,
        Sessions(store, settings),
        metrics,
        registry,
    )
