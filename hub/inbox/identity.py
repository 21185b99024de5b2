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
        values = {k: _unb64(part[k]) if k in _BYTES else part[k] for k in part}
        return SealedIdentity.from_dict(values)
    except (KeyError, TypeError, ValueError) as exc:
        raise InboxError(f"the alert's sealed identity is malformed: {exc}") from exc


def _unb64(text: str) -> bytes:
    """Standard base64 per the contract; the URL-safe alphabet is accepted too."""
    if "-" in text or "_" in text:
        return base64.urlsafe_b64decode(text)
    return base64.b64decode(text, validate=True)


def newest_first(document: dict[str, Any]) -> list[str]:
    evidence = list(enumerate(document.get("evidence") or []))
    evidence.sort(key=lambda pair: (pair[1].get("occurred_on") or "", pair[0]), reverse=True)
    return [item["event_id"] for _, item in evidence]


class IdentityService:
    """Holds the recipients' private keys (one per recipient in the panel directory, usually
    just ``panels``), loaded when first needed."""

    def __init__(self, keys_dir: Path) -> None:
        self.keys_dir = keys_dir
        self._openers: dict[str, Opener] = {}

    def key_file(self, recipient: str) -> Path:
        return self.keys_dir / f"recipient-{recipient}.private.json"

    def _opener(self, recipient: str) -> Opener:
        if recipient not in self._openers:
            try:
                private = load_recipient_private(self.key_file(recipient))
                verify = load_verify_keys(self.keys_dir / "partners.public.json")
            except KeyRingError as exc:
                raise InboxError(f"the identity service has no key: {exc}") from exc
            self._openers[recipient] = Opener(private, verify)
        return self._openers[recipient]

    def open(self, document: dict[str, Any], recipient: str) -> dict[str, Any]:
        """Open for the panel's ``recipient`` (its directory entry); a sealed identity made
        for another recipient does not open."""
        sealed = sealed_of(document)
        if sealed is None:
            raise InboxError("this alert carries no sealed identity")
        if sealed.recipient != recipient:
            raise InboxError(f"sealed for {sealed.recipient!r}, not this panel's {recipient!r}")
        opener = self._opener(recipient)
        for event_id in newest_first(document):
            try:
                return opener.open(sealed, event_id)
            except SealError:
                continue
        raise InboxError("the sealed identity does not open for any of the alert's evidence")
