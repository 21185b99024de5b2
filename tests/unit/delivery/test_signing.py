"""Webhook signatures: a correct one verifies; a stale, future, replayed, altered or foreign
one is refused."""

from __future__ import annotations

import pytest

from hub.delivery.signing import SignatureError, sign, signature, verify_signature

SECRET = b"test-secret-not-real"
BODY = b'{"alert_id":"a1"}'
NOW = 1_800_000_000


def test_a_fresh_signature_verifies() -> None:
    header = sign(SECRET, BODY, NOW)
    assert header.startswith(f"t={NOW},v1=")
    assert verify_signature(SECRET, header, BODY, NOW + 10) == NOW


@pytest.mark.parametrize(
    ("header", "body", "now", "message"),
    [
        (sign(SECRET, BODY, NOW - 301), BODY, NOW, "stale or replayed"),
        (sign(SECRET, BODY, NOW + 400), BODY, NOW, "stale or replayed"),
        (sign(SECRET, BODY, NOW), BODY + b" ", NOW, "does not match"),
        (sign(b"another-secret", BODY, NOW), BODY, NOW, "does not match"),
        (f"t={NOW + 1},v1={signature(SECRET, NOW, BODY)}", BODY, NOW, "does not match"),
        (None, BODY, NOW, "no X-Hub-Signature"),
        (f"v1={signature(SECRET, NOW, BODY)}", BODY, NOW, "no timestamp"),
        (f"t={NOW}", BODY, NOW, "no v1"),
        ("t=soon,v1=ab", BODY, NOW, "whole number"),
        ("garbage", BODY, NOW, "malformed"),
    ],
)
def test_bad_signatures_are_refused(
    header: str | None, body: bytes, now: int, message: str
) -> None:
    with pytest.raises(SignatureError, match=message):
        verify_signature(SECRET, header, body, now)


def test_a_replay_of_a_captured_request_fails_once_it_is_old() -> None:
    captured = sign(SECRET, BODY, NOW)
    assert verify_signature(SECRET, captured, BODY, NOW + 299) == NOW
    with pytest.raises(SignatureError):
        verify_signature(SECRET, captured, BODY, NOW + 301)
    with pytest.raises(SignatureError):
        verify_signature(SECRET, captured, BODY, NOW + 30, tolerance_s=10)


def test_rotation_accepts_either_signature() -> None:
    header = f"t={NOW},v1={signature(b'old', NOW, BODY)},v1={signature(SECRET, NOW, BODY)}"
    assert verify_signature(SECRET, header, BODY, NOW) == NOW
