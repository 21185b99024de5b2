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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from hashlib import blake2b
from struct import unpack
from typing import Any

import numpy as np
import numpy.typing as npt

from privacy.derive import subkey
from privacy.keyring import LinkageKeys
from privacy.normalise import name_parts, normalise_postcode, postcode_outward, postcode_sector

BITS = 1024
ENCODED_BYTES = 2 * BITS // 8  # balanced: the filter and its complement
# Bits per q-gram, per field: names carry most identity, sex almost none.
_CACHE_LIMIT = 32_768  # memoised keyed outputs per cache, held only as long as the key
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


def _name_features(raw: object) -> list[str]:
    return [g for part in name_parts(str(raw)) for g in bigrams(part)]


def _dob_features(raw: object) -> list[str]:
    assert isinstance(raw, date)
    low, high = sorted((raw.day, raw.month))
    # Day and month separately, and unordered: a swapped day and month keeps the pair.
    return [f"d{raw.day}", f"m{raw.month}", f"y{raw.year}", f"p{low}-{high}"]


def _sex_features(raw: object) -> list[str]:
    return [str(raw)] if raw in ("M", "F") else []


def _postcode_features(raw: object) -> list[str]:
    postcode = normalise_postcode(str(raw))
    if not postcode:
        return []
    return [f"o{postcode_outward(postcode)}", f"s{postcode_sector(postcode)}", f"u{postcode}"]


_FEATURES: dict[str, Callable[[object], list[str]]] = {
    "given": _name_features,
    "family": _name_features,
    "dob": _dob_features,
    "sex": _sex_features,
    "postcode": _postcode_features,
}


def qgrams(attrs: PersonAttributes) -> dict[str, list[str]]:
    """The features each field contributes; missing fields contribute nothing."""
    values = {
        "given": attrs.given_name,
        "family": attrs.family_name,
        "dob": attrs.date_of_birth,
        "sex": attrs.sex,
        "postcode": attrs.postcode,
    }
    return {f: [] if v is None else _FEATURES[f](v) for f, v in values.items()}


class ClkEncoder:
    """Encodes people; holds per-field keyed hashes and memoised q-gram bits (thread-confined).

    Speed without changing a bit of output: balancing is a fixed bit permutation P of the
    filter f followed by its complement, and a permutation distributes over OR, so
    P(f || ~f) = P(f || f) XOR P(0 || ones). Each q-gram's k positions are therefore turned
    once into an integer with both of their (permuted) landing bits set; a record's encoding
    is the OR of its q-grams' integers XOR one constant mask, read as 256 big-endian bytes.
    """

    def __init__(self, linkage: LinkageKeys, version: int | None = None) -> None:
        self.version = linkage.current if version is None else version
        key = linkage.key(self.version)
        # Keyed BLAKE2b is a PRF in one pass (RFC 7693): as strong as HMAC here, and faster.
        self._hashes = {f: blake2b(key=subkey(key, f"clk/{f}"), digest_size=64) for f in K}
        order = list(range(2 * BITS))
        random.Random(subkey(key, "clk/balance-permutation")).shuffle(order)  # noqa: S311
        self._permutation = np.array(order, dtype=np.intp)
        # Output bit j (byte j // 8, most significant bit first) is balanced bit order[j]; as
        # an integer read big-endian, output bit j is integer bit 2 * BITS - 1 - j.
        landing = [0] * (2 * BITS)
        for out, source in enumerate(order):
            landing[source] = 2 * BITS - 1 - out
        self._both = [(1 << landing[p]) | (1 << landing[p + BITS]) for p in range(BITS)]
        self._complement = sum(1 << landing[p + BITS] for p in range(BITS))
        self._feature_cache: dict[tuple[str, str], int] = {}
        self._value_cache: dict[str, dict[object, int]] = {f: {} for f in K}

    def _feature_positions(self, field: str, feature: str) -> tuple[int, ...]:
        """The k filter positions one q-gram sets: k 16-bit slices of one keyed digest."""
        h = self._hashes[field].copy()
        h.update(feature.encode())
        k = K[field]
        return tuple(v & (BITS - 1) for v in unpack(f">{k}H", h.digest()[: 2 * k]))

    def _feature_bits(self, field: str, feature: str) -> int:
        cache_key = (field, feature)
        found = self._feature_cache.get(cache_key)
        if found is None:
            both = self._both
            found = 0
            for position in self._feature_positions(field, feature):
                found |= both[position]
            _remember(self._feature_cache, cache_key, found)
        return found

    def _value_bits(self, field: str, value: object) -> int:
        """The OR of one field value's q-gram bits; memoised, since values repeat."""
        if value is None:
            return 0
        cache = self._value_cache[field]
        found = cache.get(value)
        if found is None:
            found = 0
            for feature in _FEATURES[field](value):
                found |= self._feature_bits(field, feature)
            _remember(cache, value, found)
        return found

    def _positions(self, attrs: PersonAttributes) -> npt.NDArray[np.intp]:
        positions = [
            p
            for field, features in qgrams(attrs).items()
            for feature in features
            for p in self._feature_positions(field, feature)
        ]
        return np.array(positions, dtype=np.intp)

    def filter_bits(self, attrs: PersonAttributes) -> npt.NDArray[np.uint8]:
        """The unbalanced filter, as 0/1 per bit (for measuring fill)."""
        bits = np.zeros(BITS, dtype=np.uint8)
        bits[self._positions(attrs)] = 1
        return bits

    def encode_reference(self, attrs: PersonAttributes) -> bytes:
        """The balanced encoding computed the plain way (bit arrays); ``encode`` equals it."""
        positions = self._positions(attrs)
        balanced = np.zeros(2 * BITS, dtype=np.uint8)
        balanced[BITS:] = 1  # the complement half starts all ones...
        balanced[positions] = 1
        balanced[positions + BITS] = 0  # ...and loses each bit the filter sets
        return np.packbits(balanced[self._permutation]).tobytes()

    def encode(self, attrs: PersonAttributes) -> bytes:
        value = self._value_bits
        both = (
            value("given", attrs.given_name)
            | value("family", attrs.family_name)
            | value("dob", attrs.date_of_birth)
            | value("sex", attrs.sex)
            | value("postcode", attrs.postcode)
        )
        return (both ^ self._complement).to_bytes(ENCODED_BYTES, "big")


def _remember(cache: dict[Any, int], key: Any, value: int) -> None:
    """Bounded memo: when full, start again (values are cheap to recompute)."""
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


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
