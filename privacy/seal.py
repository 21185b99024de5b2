"""Sealed identity: the clear identity travels encrypted to a key the hub does not hold.

A panel that must act needs to know who the person is; the stream processors must not. So a
connector encrypts the identity to the recipient's X25519 public key (the identity service
behind the panels' inbox), in the style of HPKE's multi-message context (RFC 9180): one
ephemeral key agreement and one Ed25519 signature per batch, then AES-256-GCM per record with
a nonce derived from the record's sequence number. A single key agreement per record would
cap a connector at ~9,000 records/s per core.

Binding: each ciphertext's associated data is (event id, recipient, signer, batch id, seq),
so an envelope cannot be replayed onto another event or opened as another recipient's; the
signature over (batch id, recipient, signer, ephemeral key, key version) tells the recipient
which partner sealed the batch.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from privacy.errors import SealError
from privacy.keyring import RecipientPrivateKey, RecipientPublicKey, SigningKey

_SUITE = b"csp-hub/seal/v1"
DEFAULT_BATCH = 10_000
# One encoder, built once: json.dumps with options builds a new one per call (~3 us).
_PLAINTEXT = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class SealedIdentity:
    recipient: str
    signer: str
    key_version: int
    batch_id: str
    enc: bytes  # the batch's ephemeral X25519 public key
    batch_signature: bytes
    seq: int
    ciphertext: bytes

    def to_dict(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "signer": self.signer,
            "key_version": self.key_version,
            "batch_id": self.batch_id,
            "enc": self.enc,
            "batch_signature": self.batch_signature,
            "seq": self.seq,
            "ciphertext": self.ciphertext,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SealedIdentity:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__})


def _raw(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _context(
    shared: bytes, enc: bytes, recipient_key: bytes, batch_id: str
) -> tuple[AESGCM, bytes]:
    okm = HKDF(
        hashes.SHA256(), 44, salt=enc + recipient_key, info=_SUITE + batch_id.encode()
    ).derive(shared)
    return AESGCM(okm[:32]), okm[32:]


def _signed_part(batch_id: str, recipient: str, signer: str, enc: bytes, version: int) -> bytes:
    return b"|".join(
        [_SUITE, batch_id.encode(), recipient.encode(), signer.encode(), enc, str(version).encode()]
    )


def _aad(event_id: str, recipient: str, signer: str, batch_id: str, seq: int) -> bytes:
    return "\x1f".join([event_id, recipient, signer, batch_id, str(seq)]).encode()


def _nonce(base: bytes, seq: int) -> bytes:
    return (int.from_bytes(base, "big") ^ seq).to_bytes(12, "big")


class Sealer:
    """Seals identities for one recipient on behalf of one partner; thread-confined."""

    def __init__(
        self, recipient: RecipientPublicKey, signing: SigningKey, batch_size: int = DEFAULT_BATCH
    ) -> None:
        self.recipient = recipient
        self.signing = signing
        self.batch_size = batch_size
        self._seq = batch_size  # forces a new context on first use

    def _new_batch(self) -> None:
        ephemeral = X25519PrivateKey.generate()
        self._enc = _raw(ephemeral.public_key())
        self._batch_id = secrets.token_hex(12)
        shared = ephemeral.exchange(self.recipient.key)
        self._aead, self._base_nonce = _context(
            shared, self._enc, _raw(self.recipient.key), self._batch_id
        )
        self._signature = self.signing.key.sign(
            _signed_part(
                self._batch_id,
                self.recipient.recipient,
                self.signing.partner,
                self._enc,
                self.recipient.version,
            )
        )
        self._seq = 0

    def seal(self, event_id: str, identity: Mapping[str, Any]) -> SealedIdentity:
        return SealedIdentity(*self.seal_dict(event_id, identity).values())  # fields in order

    def seal_dict(self, event_id: str, identity: Mapping[str, Any]) -> dict[str, Any]:
        """``seal(...).to_dict()``, built directly (the per-record hot path)."""
        if self._seq >= self.batch_size:
            self._new_batch()
        seq = self._seq
        self._seq += 1
        plaintext = _PLAINTEXT.encode(identity).encode()
        aad = _aad(event_id, self.recipient.recipient, self.signing.partner, self._batch_id, seq)
        return {
            "recipient": self.recipient.recipient,
            "signer": self.signing.partner,
            "key_version": self.recipient.version,
            "batch_id": self._batch_id,
            "enc": self._enc,
            "batch_signature": self._signature,
            "seq": seq,
            "ciphertext": self._aead.encrypt(_nonce(self._base_nonce, seq), plaintext, aad),
        }


class Opener:
    """Opens sealed identities for the recipient; verifies each batch's signature once."""

    def __init__(
        self, private: RecipientPrivateKey, verify_keys: Mapping[str, Ed25519PublicKey]
    ) -> None:
        self.private = private
        self.verify_keys = dict(verify_keys)
        self._batches: dict[tuple[str, str], tuple[AESGCM, bytes]] = {}

    def open(self, sealed: SealedIdentity, event_id: str) -> dict[str, Any]:
        if sealed.recipient != self.private.recipient or sealed.key_version != self.private.version:
            raise SealError(f"sealed for {sealed.recipient} v{sealed.key_version}, not this key")
        aead, base = self._batch(sealed)
        aad = _aad(event_id, sealed.recipient, sealed.signer, sealed.batch_id, sealed.seq)
        try:
            plaintext = aead.decrypt(_nonce(base, sealed.seq), sealed.ciphertext, aad)
        except InvalidTag:
            raise SealError(
                "the identity does not open for this event (tampered or moved)"
            ) from None
        result: dict[str, Any] = json.loads(plaintext)
        return result

    def _batch(self, sealed: SealedIdentity) -> tuple[AESGCM, bytes]:
        cache_key = (sealed.signer, sealed.batch_id)
        if cache_key in self._batches:
            return self._batches[cache_key]
        verify = self.verify_keys.get(sealed.signer)
        if verify is None:
            raise SealError(f"unknown signer {sealed.signer!r}")
        try:
            verify.verify(
                sealed.batch_signature,
                _signed_part(
                    sealed.batch_id, sealed.recipient, sealed.signer, sealed.enc, sealed.key_version
                ),
            )
        except InvalidSignature:
            raise SealError(
                f"batch signature does not verify for signer {sealed.signer!r}"
            ) from None
        try:
            shared = self.private.key.exchange(X25519PublicKey.from_public_bytes(sealed.enc))
        except ValueError as exc:
            raise SealError("malformed ephemeral key") from exc
        context = _context(shared, sealed.enc, _raw(self.private.key.public_key()), sealed.batch_id)
        self._batches[cache_key] = context
        return context
