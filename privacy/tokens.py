"""Keyed tokens for exact identifiers: HMAC-SHA256, never a plain hash.

An NHS number space of 10^9 is enumerable in minutes, so a plain hash is a lookup table away
from the number; without the partnership's linkage key no token can be computed or reversed.
Each identifier type has its own derived key, and a token names its key version, so after a
rotation both versions are produced until the old one is retired and linkage continues.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass

from privacy.derive import keyed_hmac, subkey
from privacy.identifiers import IdentifierType, validate_identifier
from privacy.keyring import LinkageKeys


@dataclass(frozen=True)
class Token:
    type: IdentifierType
    key_version: int
    value: str  # 43 characters: base64url of the 32-byte HMAC, no padding

    def to_dict(self) -> dict[str, object]:
        return {"type": self.type.value, "key_version": self.key_version, "value": self.value}


class Tokeniser:
    def __init__(self, linkage: LinkageKeys) -> None:
        self._macs: dict[tuple[int, IdentifierType], hmac.HMAC] = {
            (version, kind): keyed_hmac(subkey(linkage.key(version), f"token/{kind.value}"))
            for version in linkage.versions()
            for kind in IdentifierType
        }
        self._versions = linkage.versions()

    def tokens(self, kind: IdentifierType, raw: str, namespace: str = "") -> list[Token]:
        """Validate, then tokenise under every active key version (current first).

        ``namespace`` separates local ids of different partners ("police" case 17 is not
        "ed" case 17).
        """
        kind = IdentifierType(kind)
        value = validate_identifier(kind, raw)
        message = f"{namespace}\x1f{value}".encode()
        return [
            Token(kind, version, self._mac(version, kind, message)) for version in self._versions
        ]

    def _mac(self, version: int, kind: IdentifierType, message: bytes) -> str:
        mac = self._macs[(version, kind)].copy()
        mac.update(message)
        return base64.urlsafe_b64encode(mac.digest()).decode().rstrip("=")
