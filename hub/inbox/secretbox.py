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
from privacy.keyring import load_or_create_secret_key, load_secret_key

KEY_FILE = "inbox-totp.json"
KEY_KIND = "hub.inbox.totp"
_PREFIX = "gcm1:"


def is_encrypted(stored: str) -> bool:
    return stored.startswith(_PREFIX)


class SecretBox:
    """The key is read when first needed. Only enrolment creates it: every inbox process of
    one store must be given the same file (like the recipients' private keys beside it), and
    a process that made a new key of its own could open none of the stored secrets."""

    def __init__(self, keys_dir: Path) -> None:
        self.path = Path(keys_dir) / KEY_FILE
        self._aead: AESGCM | None = None

    def _cipher(self, *, create: bool) -> AESGCM:
        if self._aead is None:
            try:
                if create:
                    key = load_or_create_secret_key(self.path, KEY_KIND)
                else:
                    key = load_secret_key(self.path, KEY_KIND)
            except (KeyRingError, OSError) as exc:
                raise InboxError(
                    f"the inbox's TOTP key: {exc} (copy it from where members were enrolled)"
                ) from exc
            self._aead = AESGCM(key)
        return self._aead

    def encrypt(self, secret: str, username: str) -> str:
        nonce = os.urandom(12)
        sealed = self._cipher(create=True).encrypt(nonce, secret.encode(), username.encode())
        return _PREFIX + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, stored: str, username: str) -> str:
        if not is_encrypted(stored):
            return stored  # written before secrets were encrypted; re-encrypted at start
        try:
            blob = base64.b64decode(stored[len(_PREFIX) :], validate=True)
            opened = self._cipher(create=False).decrypt(blob[:12], blob[12:], username.encode())
            return opened.decode()
        except (InvalidTag, ValueError):
            raise InboxError(
                f"the TOTP secret of {username} does not open with {KEY_FILE}: the store was "
                "enrolled under another key file, or the row was altered"
            ) from None
