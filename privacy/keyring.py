"""Keys, by role, each in its own JSON file; secrets never printed.

Roles and who holds what:
- ``linkage.json`` (partner connectors, and ``hub link``): the partnership linkage key in
  versions; tokens, Bloom encodings and blocking keys derive from it. Stream processors hold
  no key at all: they only compare what connectors computed.
- ``signing-<partner>.json`` (that partner's connector only): its Ed25519 signing key.
- ``recipient-<id>.public.json`` (every connector): the X25519 key identities are sealed to.
- ``recipient-<id>.private.json`` (the identity service behind the panels' inbox only).
- ``partners.public.json`` (the identity service): partners' signature-verifying keys.
- ``inbox-totp.json`` (the panels' inbox only): encrypts members' TOTP secrets at rest.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from privacy.errors import KeyRingError


class Secret:
    """Bytes that never show themselves in repr, str, logs or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__


@dataclass(frozen=True)
class LinkageKeys:
    current: int
    keys: dict[int, Secret]
    accept: tuple[int, ...] = ()  # older versions still tokenised during a rotation window

    def versions(self) -> tuple[int, ...]:
        """The current version first, then every accepted older one."""
        return (self.current, *(v for v in self.accept if v != self.current))

    def key(self, version: int) -> bytes:
        try:
            return self.keys[version].reveal()
        except KeyError:
            raise KeyRingError(f"linkage key version {version} is not in the key ring") from None


@dataclass(frozen=True)
class RecipientPublicKey:
    recipient: str
    version: int
    key: X25519PublicKey = field(repr=False)


@dataclass(frozen=True)
class RecipientPrivateKey:
    recipient: str
    version: int
    key: X25519PrivateKey = field(repr=False)


@dataclass(frozen=True)
class SigningKey:
    partner: str
    key: Ed25519PrivateKey = field(repr=False)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise KeyRingError(f"{what} is not valid base64") from exc


def _read(source: Path | str, kind: str) -> dict[str, Any]:
    """A key file from a path, or from an environment variable named ``env:NAME``."""
    if isinstance(source, str) and source.startswith("env:"):
        text = os.environ.get(source[4:])
        if text is None:
            raise KeyRingError(f"environment variable {source[4:]} is not set")
        where = f"${source[4:]}"
    else:
        path = Path(source)
        if not path.is_file():
            raise KeyRingError(f"key file {path} does not exist")
        text, where = path.read_text(), str(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KeyRingError(f"{where} is not JSON (line {exc.lineno})") from exc
    if not isinstance(data, dict) or data.get("kind") != kind:
        raise KeyRingError(f"{where} is not a {kind} key file")
    return data


def load_linkage(source: Path | str) -> LinkageKeys:
    data = _read(source, "hub.linkage")
    keys = {int(v): Secret(_unb64(k, f"linkage key {v}")) for v, k in data["keys"].items()}
    if any(len(k.reveal()) != 32 for k in keys.values()):
        raise KeyRingError("every linkage key must be 32 bytes")
    linkage = LinkageKeys(int(data["current"]), keys, tuple(int(v) for v in data.get("accept", [])))
    for version in linkage.versions():
        linkage.key(version)
    return linkage


def load_recipient_public(source: Path | str) -> RecipientPublicKey:
    data = _read(source, "hub.recipient.public")
    raw = _unb64(data["public_key"], "recipient public key")
    return RecipientPublicKey(
        data["recipient"], int(data["version"]), X25519PublicKey.from_public_bytes(raw)
    )


def load_recipient_private(source: Path | str) -> RecipientPrivateKey:
    data = _read(source, "hub.recipient.private")
    raw = _unb64(data["private_key"], "recipient private key")
    return RecipientPrivateKey(
        data["recipient"], int(data["version"]), X25519PrivateKey.from_private_bytes(raw)
    )


def load_signing(source: Path | str) -> SigningKey:
    data = _read(source, "hub.signing")
    raw = _unb64(data["private_key"], "signing key")
    return SigningKey(data["partner"], Ed25519PrivateKey.from_private_bytes(raw))


def load_verify_keys(source: Path | str) -> dict[str, Ed25519PublicKey]:
    data = _read(source, "hub.partners.public")
    return {
        partner: Ed25519PublicKey.from_public_bytes(_unb64(key, f"{partner} verify key"))
        for partner, key in data["keys"].items()
    }


def _write(path: Path, data: dict[str, Any], *, secret: bool, exclusive: bool = False) -> None:
    """``exclusive``: never replace an existing file (FileExistsError)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    with os.fdopen(os.open(path, flags, 0o600 if secret else 0o644), "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")


def _raw_private(key: X25519PrivateKey | Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())


def _raw_public(key: X25519PublicKey | Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def generate_partnership(out_dir: Path, partners: list[str], recipients: list[str]) -> list[Path]:
    """A fresh set of key files for a new partnership; returns the files written."""
    written: list[Path] = []
    linkage = out_dir / "linkage.json"
    _write(
        linkage,
        {
            "kind": "hub.linkage",
            "current": 1,
            "accept": [],
            "keys": {"1": _b64(secrets.token_bytes(32))},
        },
        secret=True,
    )
    written.append(linkage)
    verify: dict[str, str] = {}
    for partner in partners:
        key = Ed25519PrivateKey.generate()
        path = out_dir / f"signing-{partner}.json"
        _write(
            path,
            {"kind": "hub.signing", "partner": partner, "private_key": _b64(_raw_private(key))},
            secret=True,
        )
        verify[partner] = _b64(_raw_public(key.public_key()))
        written.append(path)
    public = out_dir / "partners.public.json"
    _write(public, {"kind": "hub.partners.public", "keys": verify}, secret=False)
    written.append(public)
    for recipient in recipients:
        agreement = X25519PrivateKey.generate()
        private = out_dir / f"recipient-{recipient}.private.json"
        _write(
            private,
            {
                "kind": "hub.recipient.private",
                "recipient": recipient,
                "version": 1,
                "private_key": _b64(_raw_private(agreement)),
            },
            secret=True,
        )
        pub = out_dir / f"recipient-{recipient}.public.json"
        _write(
            pub,
            {
                "kind": "hub.recipient.public",
                "recipient": recipient,
                "version": 1,
                "public_key": _b64(_raw_public(agreement.public_key())),
            },
            secret=False,
        )
        written += [private, pub]
    return written


def rotate_linkage_key(path: Path) -> int:
    """Add a new linkage key version and make it current; the old one stays accepted."""
    data = _read(path, "hub.linkage")
    version = max(int(v) for v in data["keys"]) + 1
    data["keys"][str(version)] = _b64(secrets.token_bytes(32))
    data["accept"] = sorted({*data.get("accept", []), int(data["current"])})
    data["current"] = version
    _write(path, data, secret=True)
    return version


def retire_linkage_versions(path: Path) -> None:
    """End a rotation window: only the current version is used from now on."""
    data = _read(path, "hub.linkage")
    data["accept"] = []
    _write(path, data, secret=True)


def load_or_create_secret_key(path: Path, kind: str) -> bytes:
    """A 32-byte symmetric key from its file, written (owner-only) on first use."""
    if not path.exists():
        try:  # two first uses at once: one key wins
            data = {"kind": kind, "key": _b64(secrets.token_bytes(32))}
            _write(path, data, secret=True, exclusive=True)
        except FileExistsError:
            pass
    return load_secret_key(path, kind)


def load_secret_key(source: Path | str, kind: str) -> bytes:
    key = _unb64(_read(source, kind).get("key", ""), f"{source} key")
    if len(key) != 32:
        raise KeyRingError(f"{source}: the key is {len(key)} bytes, not 32")
    return key
