"""Password hashing with Argon2id (RFC 9106), argon2-cffi's defaults (OWASP's first choice)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12

_HASHER = PasswordHasher()


@cache
def _dummy() -> str:
    """A hash to verify against when the user is unknown, so timing does not tell who exists."""
    return _HASHER.hash("not-a-real-password-at-all")


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
