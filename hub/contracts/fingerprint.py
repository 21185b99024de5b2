"""CRC-64-AVRO (Rabin) fingerprints, as the Avro specification defines them.

Taken over the Parsing Canonical Form, which drops ``doc``, defaults and logical types: two
schemas differing only in those share a fingerprint, which is why the compatibility check
(compat.py) compares full schemas, never fingerprints.
"""

from __future__ import annotations

_EMPTY = 0xC15D213AA4D7A795


def _table() -> list[int]:
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY & -(fp & 1))
        table.append(fp)
    return table


_TABLE = _table()


def rabin(data: bytes) -> int:
    fp = _EMPTY
    for byte in data:
        fp = (fp >> 8) ^ _TABLE[(fp ^ byte) & 0xFF]
    return fp


def fingerprint_bytes(canonical_form: str) -> bytes:
    """The 8 bytes single-object encoding carries: the fingerprint, little-endian."""
    return rabin(canonical_form.encode()).to_bytes(8, "little")
