"""The inbox's errors, children of the one root in ``hub/errors.py``."""

from __future__ import annotations

from hub.errors import HubError


class InboxError(HubError):
    """The inbox store or its identity service cannot do what was asked."""


class InvalidAlertDocument(InboxError):
    """An alert document does not have the contract's shape; the message names the field."""


class AuditChainBroken(InboxError):
    """The audit log does not verify; ``seq`` is the first record that fails."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"audit record {seq}: {reason}")
        self.seq = seq
        self.reason = reason
