"""Purpose-bound subkeys: one linkage key, a separate derived key for every use.

A token key can then never be used to compute a Bloom filter bit, or one identifier type's
tokens to guess another's: each use has its own HKDF-SHA256 output (RFC 5869).
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


@lru_cache(maxsize=256)
def subkey(linkage_key: bytes, purpose: str) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=b"csp-hub/v1", info=purpose.encode()).derive(linkage_key)
