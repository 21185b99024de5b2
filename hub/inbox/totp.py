"""Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), the inbox's second factor.

Small enough to audit in one sitting, so no dependency; tested against the RFC's vectors.
Compatible with authenticator apps: base32 secret, SHA-1, 6 digits, 30-second steps.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_S = 30
DIGITS = 6


def new_secret() -> str:
    """A 160-bit secret, base32 without padding (what authenticator apps expect)."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def _key(secret_b32: str) -> bytes:
    padded = secret_b32.upper() + "=" * (-len(secret_b32) % 8)
    return base64.b32decode(padded)


def hotp(key: bytes, counter: int, digits: int = DIGITS, algorithm: str = "sha1") -> str:
    """RFC 4226 section 5.3: HMAC, dynamic truncation, modulo 10^digits."""
    digest = hmac.new(key, struct.pack(">Q", counter), algorithm).digest()
    offset = digest[-1] & 0x0F
    code = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(code % 10**digits).zfill(digits)


def step_of(now: float, step_s: int = STEP_S) -> int:
    return int(now // step_s)


def totp(secret_b32: str, now: float, digits: int = DIGITS) -> str:
    return hotp(_key(secret_b32), step_of(now), digits)


def matching_step(secret_b32: str, code: str, now: float, window: int = 1) -> int | None:
    """The time step the code belongs to (allowing ``window`` steps of clock drift), or None.

    The caller stores the step and refuses any step not later than it, so a code cannot be
    replayed inside its validity window.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == DIGITS):
        return None
    key, current = _key(secret_b32), step_of(now)
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(hotp(key, step), code):
            return step
    return None


def provisioning_uri(secret_b32: str, username: str, issuer: str = "CSP hub inbox") -> str:
    """The otpauth:// URI an authenticator app scans (Google Authenticator's key URI format)."""
    label = quote(f"{issuer}:{username}")
    query = urlencode({"secret": secret_b32, "issuer": issuer, "digits": DIGITS, "period": STEP_S})
    return f"otpauth://totp/{label}?{query}"
