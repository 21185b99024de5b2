"""Webhook signatures: a receiver can prove a body came from the hub, unaltered and recent.

The header, in the style of Stripe's, is ``X-Hub-Signature: t=<unix seconds>,v1=<hex>``
where ``<hex>`` is HMAC-SHA256 under the panel's shared secret over ``"<t>." + raw body``.
Signing the timestamp with the body stops an attacker replaying an old request with a fresh
``t``; the receiver refuses timestamps outside its tolerance, and deduplicates retries of a
fresh request by the ``Idempotency-Key`` header. Several ``v1=`` entries are allowed so a
secret can be rotated: the receiver accepts any one that matches.
"""

from __future__ import annotations

import hashlib
import hmac

from hub.errors import DeliveryError

HEADER = "X-Hub-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


class SignatureError(DeliveryError):
    """A webhook request's signature is missing, malformed, wrong or outside the tolerance."""


def signature(secret: bytes, timestamp: int, body: bytes) -> str:
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: bytes, body: bytes, timestamp: int) -> str:
    """The ``X-Hub-Signature`` header value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},{SCHEME}={signature(secret, timestamp, body)}"


def verify_signature(
    secret: bytes,
    header: str | None,
    body: bytes,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> int:
    """Check ``header`` against ``body``; return its timestamp or raise SignatureError.

    Refuses a missing or malformed header, a timestamp more than ``tolerance_s`` from ``now``
    either way (a replay, or a clock far off), and a body or secret that does not match.
    """
    if not header:
        raise SignatureError(f"no {HEADER} header")
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError(f"{HEADER}: malformed element {part.strip()!r}")
        if key == "t":
            if not value.isdigit():
                raise SignatureError(f"{HEADER}: timestamp is not a whole number")
            timestamp = int(value)
        elif key == SCHEME:
            candidates.append(value)
    if timestamp is None:
        raise SignatureError(f"{HEADER}: no timestamp")
    if not candidates:
        raise SignatureError(f"{HEADER}: no {SCHEME} signature")
    if abs(now - timestamp) > tolerance_s:
        raise SignatureError(
            f"{HEADER}: timestamp {timestamp} is {abs(now - timestamp):.0f}s from now "
            f"(tolerance {tolerance_s:.0f}s): stale or replayed"
        )
    expected = signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError(f"{HEADER}: signature does not match the body")
    return timestamp
