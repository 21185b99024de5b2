"""Members' TOTP secrets, encrypted at rest under a key kept outside the database.

Anyone holding a TOTP secret can make that member's sign-in codes, so a copy of the store (a
backup, a replica, a dump sent for support) must not carry them readable. Each secret is
AES-GCM encrypted under ``<keys_dir>/inbox-totp.json`` with its username as associated data,
so a ciphertext copied onto another member's row does not open. Rows written before this
existed hold the secret as plain base32; they still open, and ``Accounts`` re-encrypts them.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from hub.inbox.errors import InboxError
from privacy.errors import KeyRingError
from privacy.keyring import load_or_create_secret_key

KEY_FILE = "inbox-totp.json"
KEY_KIND = "hub.inbox.totp"
_PREFIX = "gcm1:"


def is_encrypted(stored: str) -> bool:
    return stored.startswith(_PREFIX)


class SecretBox:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def in_keys_dir(cls, keys_dir: Path) -> SecretBox:
        """The inbox's key, created on first use: every inbox process of one store must be
        given the same file (like the recipients' private keys beside it)."""
        try:
            return cls(load_or_create_secret_key(Path(keys_dir) / KEY_FILE, KEY_KIND))
        except (KeyRingError, OSError) as exc:
            raise InboxError(f"the inbox's TOTP key: {exc}") from exc

    def encrypt(self, secret: str, username: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), username.encode())
        return _PREFIX + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, stored: str, username: str) -> str:
        if not is_encrypted(stored):
            return stored  # written before secrets were encrypted; re-encrypted at start
        try:
            blob = base64.b64decode(stored[len(_PREFIX) :], validate=True)
            return self._aead.decrypt(blob[:12], blob[12:], username.encode()).decode()
        except (InvalidTag, ValueError):
            raise InboxError(
                f"the TOTP secret of {username} does not open with {KEY_FILE}: the store was "
                "enrolled under another key file, or the row was altered"
            ) from None
