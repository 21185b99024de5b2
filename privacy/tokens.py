"""Keyed tokens for exact identifiers: HMAC-SHA256, never a plain hash.

An NHS number space of 10^9 is enumerable in minutes, so a plain hash is a lookup table away
from the number; without the partnership's linkage key no token can be computed or reversed.
Each identifier type has its own derived key, and a token names its key version, so after a
rotation both versions are produced until the old one is retired and linkage continues.
"""

from __future__ import annotations

import binascii
import hmac
from dataclasses import dataclass

from privacy.derive import subkey
from privacy.identifiers import IdentifierType, validate_identifier
from privacy.keyring import LinkageKeys


@dataclass(frozen=True)
class Token:
    type: IdentifierType
    key_version: int
    value: str  # 43 characters: base64url of the 32-byte HMAC, no padding

    def to_dict(self) -> dict[str, object]:
        return {"type": self.type.value, "key_version": self.key_version, "value": self.value}


_URLSAFE = bytes.maketrans(b"+/", b"-_")


class Tokeniser:
    def __init__(self, linkage: LinkageKeys) -> None:
        # The derived keys, per identifier type, in version order (current first).
        self._keys: dict[IdentifierType, list[tuple[int, bytes]]] = {
            kind: [
                (version, subkey(linkage.key(version), f"token/{kind.value}"))
                for version in linkage.versions()
            ]
            for kind in IdentifierType
        }
        self._versions = linkage.versions()

    def tokens(self, kind: IdentifierType, raw: str, namespace: str = "") -> list[Token]:
        """Validate, then tokenise under every active key version (current first).

        ``namespace`` separates local ids of different partners ("police" case 17 is not
        "ed" case 17).
        """
        if type(kind) is not IdentifierType:
            kind = IdentifierType(kind)
        message = f"{namespace}\x1f{validate_identifier(kind, raw)}".encode()
        return [Token(kind, version, _mac(key, message)) for version, key in self._keys[kind]]

    def token_dicts(
        self, kind: IdentifierType, raw: str, namespace: str = ""
    ) -> list[dict[str, object]]:
        """``[t.to_dict() for t in tokens(...)]``, without the intermediate objects."""
        if type(kind) is not IdentifierType:
            kind = IdentifierType(kind)
        message = f"{namespace}\x1f{validate_identifier(kind, raw)}".encode()
        name = kind.value
        return [
            {"type": name, "key_version": version, "value": _mac(key, message)}
            for version, key in self._keys[kind]
        ]

    def current(self, kind: IdentifierType, raw: str, namespace: str = "") -> str:
        """The token under the current key version only (references inside one event)."""
        if type(kind) is not IdentifierType:
            kind = IdentifierType(kind)
        message = f"{namespace}\x1f{validate_identifier(kind, raw)}".encode()
        return _mac(self._keys[kind][0][1], message)


def _mac(key: bytes, message: bytes) -> str:
    """Base64url (no padding) of HMAC-SHA256; one-shot, in OpenSSL, with no Python HMAC object."""
    digest = hmac.digest(key, message, "sha256")
    return binascii.b2a_base64(digest, newline=False).translate(_URLSAFE)[:43].decode()
