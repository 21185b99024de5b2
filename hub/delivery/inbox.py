"""The inbox channel: the alert document handed to the inbox's store (hub/inbox, another
package), behind a Protocol so delivery does not depend on how the store is built.

The store must be idempotent on ``alert_id`` (``add_alert`` returns False for an alert it
already has), so a re-delivery after a crash is harmless.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any, Protocol

from hub.config import HubSettings
from hub.delivery.retry import TransientError
from hub.errors import ConfigurationError, HubError
from hub.panels.directory import InboxChannel, Panel


class AlertSink(Protocol):
    def add_alert(self, document: dict[str, Any]) -> bool:
        """Store the document; True if new, False if this alert id was already stored."""
        ...


class InboxSender:
    """Hands documents to one sink, one at a time (a store need not be thread-safe)."""

    def __init__(self, sink: AlertSink) -> None:
        self.sink = sink
        self._lock = threading.Lock()

    def send(self, panel: Panel, channel: InboxChannel, document: dict[str, Any]) -> int:
        try:
            with self._lock:
                self.sink.add_alert(document)
        except HubError as exc:
            raise TransientError(f"inbox store: {exc}") from exc
        except Exception as exc:  # a database driver's error: the store may come back
            raise TransientError(f"inbox store: {type(exc).__name__}: {exc}") from exc
        return 200


def open_inbox_store(settings: HubSettings) -> AlertSink:
    """The inbox's own store (hub.inbox.store.InboxStore) at ``settings.inbox_database_url``.

    Imported by name when needed, so delivery runs where the inbox package is absent as long
    as no panel has an enabled inbox channel.
    """
    try:
        module = importlib.import_module("hub.inbox.store")
    except ImportError as exc:
        raise ConfigurationError(
            "a panel has an inbox channel but the inbox store (hub.inbox.store) is not "
            "installed: install it, or add 'inbox' to delivery.disabled_channels"
        ) from exc
    store: AlertSink = module.InboxStore.open(settings.inbox_database_url)
    return store
