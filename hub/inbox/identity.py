"""The identity service: opens an alert's sealed identity with the panels' private key.

Only this process holds ``recipient-<id>.private.json``; the stream processors never do. The
identity is bound to one evidence event id (the newest that carried it), so the service
tries the evidence events newest first (docs: alert document contract).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from hub.inbox.errors import InboxError
from privacy.errors import KeyRingError, SealError
from privacy.keyring import load_recipient_private, load_verify_keys
from privacy.seal import Opener, SealedIdentity

_BYTES = ("enc", "batch_signature", "ciphertext")


def sealed_of(document: dict[str, Any]) -> SealedIdentity | None:
    """The document's sealed part as the privacy package's type (base64 fields decoded)."""
    part = document.get("sealed")
    if not part:
        return None
    try:
        values = {
            k: base64.b64decode(part[k], validate=True) if k in _BYTES else part[k] for k in part
        }
        return SealedIdentity.from_dict(values)
    except (KeyError, TypeError, ValueError) as exc:
        raise InboxError(f"the alert's sealed identity is malformed: {exc}") from exc


def newest_first(document: dict[str, Any]) -> list[str]:
    evidence = list(enumerate(document.get("evidence") or []))
    evidence.sort(key=lambda pair: (pair[1].get("occurred_on") or "", pair[0]), reverse=True)
    return [item["event_id"] for _, item in evidence]


class IdentityService:
    def __init__(self, keys_dir: Path, recipient: str) -> None:
        self.keys_dir = keys_dir
        self.recipient = recipient
        self._opener: Opener | None = None

    def _load(self) -> Opener:
        if self._opener is None:
            try:
                private = load_recipient_private(
                    self.keys_dir / f"recipient-{self.recipient}.private.json"
                )
                verify = load_verify_keys(self.keys_dir / "partners.public.json")
            except KeyRingError as exc:
                raise InboxError(f"the identity service has no key: {exc}") from exc
            self._opener = Opener(private, verify)
        return self._opener

    def open(self, document: dict[str, Any]) -> dict[str, Any]:
        sealed = sealed_of(document)
        if sealed is None:
            raise InboxError("this alert carries no sealed identity")
        opener = self._load()
        for event_id in newest_first(document):
            try:
                return opener.open(sealed, event_id)
            except SealError:
                continue
        raise InboxError("the sealed identity does not open for any of the alert's evidence")
