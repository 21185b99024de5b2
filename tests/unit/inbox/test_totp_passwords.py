"""TOTP against RFC 6238 / RFC 4226 test vectors; Argon2id password hashing."""

from __future__ import annotations

import base64

import pytest

from hub.inbox import passwords, totp

SHA1_KEY = b"12345678901234567890"
SHA256_KEY = b"12345678901234567890123456789012"
SHA512_KEY = b"1234567890" * 6 + b"1234"

# RFC 6238 Appendix B: (time, SHA-1, SHA-256, SHA-512), 8 digits, 30-second steps.
RFC6238 = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]
# RFC 4226 Appendix D: HOTP values for counters 0..9.
RFC4226 = ["755224", "287082", "359152", "969429", "338314"]
RFC4226 += ["254676", "287922", "162583", "399871", "520489"]


@pytest.mark.parametrize(("when", "sha1", "sha256", "sha512"), RFC6238)
def test_rfc6238_vectors(when: int, sha1: str, sha256: str, sha512: str) -> None:
    step = totp.step_of(when)
    assert totp.hotp(SHA1_KEY, step, 8, "sha1") == sha1
    assert totp.hotp(SHA256_KEY, step, 8, "sha256") == sha256
    assert totp.hotp(SHA512_KEY, step, 8, "sha512") == sha512


def test_rfc4226_vectors() -> None:
    assert [totp.hotp(SHA1_KEY, c) for c in range(10)] == RFC4226


def test_totp_from_base32_secret_matches_and_allows_one_step_of_drift() -> None:
    secret = base64.b32encode(SHA1_KEY).decode()
    assert totp.totp(secret, 59, digits=8) == "94287082"
    now = 1_800_000_000.0
    code = totp.totp(secret, now)
    assert totp.matching_step(secret, code, now) == totp.step_of(now)
    assert totp.matching_step(secret, code, now + 30) == totp.step_of(now)
    assert totp.matching_step(secret, code, now + 90) is None
    assert totp.matching_step(secret, "12345", now) is None
    assert totp.matching_step(secret, "abcdef", now) is None


def test_new_secret_and_provisioning_uri() -> None:
    secret = totp.new_secret()
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20
    assert secret != totp.new_secret()
    uri = totp.provisioning_uri(secret, "iom.lead")
    assert uri.startswith("otpauth://totp/CSP%20hub%20inbox%3Aiom.lead?")
    assert f"secret={secret}" in uri


def test_argon2id_hash_verifies_only_the_right_password() -> None:
    stored = passwords.hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "correct horse battery")
    assert not passwords.verify_password(stored, "correct horse batterY")
    assert not passwords.verify_password(None, "correct horse battery")
    assert not passwords.verify_password("not a hash", "x")
    assert not passwords.needs_rehash(stored)
    assert passwords.hash_password("correct horse battery") != stored  # salted


def test_short_passwords_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 12"):
        passwords.hash_password("short")
