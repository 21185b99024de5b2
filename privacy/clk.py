"""Fuzzy linkage without names: a keyed, balanced Bloom filter (CLK) per person.

Each field's q-grams set bits chosen by keyed BLAKE2b under a per-field key derived from the linkage
key, so nobody without the key can compute which bits a name sets (no double hashing: the k
positions come from one keyed-hash output). Two records of the same person share most q-grams and
so most bits; their Dice similarity stays high through typos, swapped day and month, a moved
postcode. Parameters (chosen by measurement, privacy/README.md): 1024 bits before balancing,
bigrams of padded names, k per field below; typical fill before balancing is 40-50%.

Hardening: balancing (Schnell & Borgs, 2016). The filter is concatenated with its complement
and the result permuted under a key, so every encoding has exactly half its bits set and bit
frequencies no longer reveal common q-grams. Dice on balanced filters is 1 - H/L (H the
Hamming distance of the unbalanced filters, L their length): a monotone function of the same
distance, so ranking and accuracy are unchanged.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from hashlib import blake2b

import numpy as np
import numpy.typing as npt

from privacy.derive import subkey
from privacy.keyring import LinkageKeys
from privacy.normalise import name_parts, normalise_postcode, postcode_outward, postcode_sector

BITS = 1024
ENCODED_BYTES = 2 * BITS // 8  # balanced: the filter and its complement
# Bits per q-gram, per field: names carry most identity, sex almost none.
_CACHE_LIMIT = 500_000  # keyed outputs, held only as long as the key itself
K = {"given": 30, "family": 30, "dob": 30, "sex": 10, "postcode": 20}


@dataclass(frozen=True)
class PersonAttributes:
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    sex: str | None = None  # "M", "F" or "U"
    postcode: str | None = None


def bigrams(word: str) -> list[str]:
    padded = f"_{word}_"
    return [padded[i : i + 2] for i in range(len(padded) - 1)]


def qgrams(attrs: PersonAttributes) -> dict[str, list[str]]:
    """The features each field contributes; missing fields contribute nothing."""
    features: dict[str, list[str]] = {
        "given": [],
        "family": [],
        "dob": [],
        "sex": [],
        "postcode": [],
    }
    for part in name_parts(attrs.given_name):
        features["given"] += bigrams(part)
    for part in name_parts(attrs.family_name):
        features["family"] += bigrams(part)
    if attrs.date_of_birth is not None:
        d = attrs.date_of_birth
        low, high = sorted((d.day, d.month))
        # Day and month separately, and unordered: a swapped day and month keeps the pair.
        features["dob"] = [f"d{d.day}", f"m{d.month}", f"y{d.year}", f"p{low}-{high}"]
    if attrs.sex in ("M", "F"):
        features["sex"] = [attrs.sex]
    postcode = normalise_postcode(attrs.postcode)
    if postcode:
        features["postcode"] = [
            f"o{postcode_outward(postcode)}",
            f"s{postcode_sector(postcode)}",
            f"u{postcode}",
        ]
    return features


class ClkEncoder:
    def __init__(self, linkage: LinkageKeys, version: int | None = None) -> None:
        self.version = linkage.current if version is None else version
        key = linkage.key(self.version)
        # Keyed BLAKE2b is a PRF in one pass (RFC 7693): as strong as HMAC here, and faster.
        self._hashes = {f: blake2b(key=subkey(key, f"clk/{f}"), digest_size=64) for f in K}
        order = list(range(2 * BITS))
        random.Random(subkey(key, "clk/balance-permutation")).shuffle(order)  # noqa: S311
        self._permutation = np.array(order, dtype=np.intp)
        self._cache: dict[str, bytes] = {}

    def _feature_bytes(self, field: str, feature: str) -> bytes:
        """The positions one q-gram sets; memoised, since q-grams repeat across records."""
        cache_key = f"{field}\x00{feature}"
        found = self._cache.get(cache_key)
        if found is None:
            h = self._hashes[field].copy()
            h.update(feature.encode())
            found = h.digest()[: 2 * K[field]]
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[cache_key] = found
        return found

    def _positions(self, attrs: PersonAttributes) -> npt.NDArray[np.intp]:
        chunks = [
            self._feature_bytes(field, feature)
            for field, features in qgrams(attrs).items()
            for feature in features
        ]
        if not chunks:
            return np.zeros(0, dtype=np.intp)
        return (np.frombuffer(b"".join(chunks), dtype=">u2") & (BITS - 1)).astype(np.intp)

    def filter_bits(self, attrs: PersonAttributes) -> npt.NDArray[np.uint8]:
        """The unbalanced filter, as 0/1 per bit (for measuring fill)."""
        bits = np.zeros(BITS, dtype=np.uint8)
        bits[self._positions(attrs)] = 1
        return bits

    def encode(self, attrs: PersonAttributes) -> bytes:
        positions = self._positions(attrs)
        balanced = np.zeros(2 * BITS, dtype=np.uint8)
        balanced[BITS:] = 1  # the complement half starts all ones...
        balanced[positions] = 1
        balanced[positions + BITS] = 0  # ...and loses each bit the filter sets
        return np.packbits(balanced[self._permutation]).tobytes()


def dice(a: bytes, b: bytes) -> float:
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    total = x.bit_count() + y.bit_count()
    return 2 * (x & y).bit_count() / total if total else 0.0


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint16)


def dice_many(query: bytes, candidates: Sequence[bytes]) -> npt.NDArray[np.float64]:
    """Dice of one encoding against many, vectorised over bytes."""
    if not candidates:
        return np.zeros(0)
    q = np.frombuffer(query, dtype=np.uint8)
    c = np.frombuffer(b"".join(candidates), dtype=np.uint8).reshape(len(candidates), len(query))
    both = _POPCOUNT[c & q].sum(axis=1)
    sizes = _POPCOUNT[c].sum(axis=1) + _POPCOUNT[q].sum()
    return np.where(sizes > 0, 2 * both / np.maximum(sizes, 1), 0.0)
