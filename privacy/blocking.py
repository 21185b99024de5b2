"""Keyed blocking keys, computed at source, so the hub compares a handful of candidates.

Each key is a keyed BLAKE2b hash (a MAC) over a coarse, noise-tolerant view of the person
(a phonetic code and a birth year, an initial and a full date of birth...). Two noisy records
of one person almost always share at least one key; strangers rarely do. Keys are keyed, so
the hub learns only which records share a block, never the names or dates behind it.
"""

from __future__ import annotations

import binascii
from functools import lru_cache
from hashlib import blake2b

from privacy.clk import PersonAttributes
from privacy.derive import subkey
from privacy.keyring import LinkageKeys
from privacy.normalise import name_parts, normalise_postcode, postcode_sector

_SOUNDEX = {c: d for d, letters in
            {"1": "BFPV", "2": "CGJKQSXZ", "3": "DT", "4": "L", "5": "MN", "6": "R"}.items()
            for c in letters}  # fmt: skip
_URLSAFE = bytes.maketrans(b"+/", b"-_")
_MEMO_LIMIT = 65_536


@lru_cache(maxsize=65_536)
def soundex(word: str) -> str:
    """American Soundex (as in the US National Archives' rules), 4 characters."""
    if not word:
        return ""
    code, last = word[0], _SOUNDEX.get(word[0], "")
    for char in word[1:]:
        digit = _SOUNDEX.get(char, "")
        if digit and digit != last:
            code += digit
        if char not in "HW":
            last = digit
    return (code + "000")[:4]


class BlockingKeyer:
    def __init__(self, linkage: LinkageKeys, version: int | None = None) -> None:
        self.version = linkage.current if version is None else version
        self._hash = blake2b(key=subkey(linkage.key(self.version), "blocking"), digest_size=12)
        self._memo: dict[str, str] = {}  # view -> key, held only as long as the key itself

    def views(self, attrs: PersonAttributes) -> list[str]:
        """The coarse views that become keys; each tolerates a different kind of noise."""
        return [f"{n}|{view}" for n, view in self._views(attrs)]

    def _views(self, attrs: PersonAttributes) -> list[tuple[str, str]]:
        given, family = name_parts(attrs.given_name), name_parts(attrs.family_name)
        dob = attrs.date_of_birth
        postcode = normalise_postcode(attrs.postcode)
        views = []
        if family and dob:
            views.append(("1", f"{soundex(family[-1])}|{dob.year}"))  # typo in first name, day
            views.append(("5", f"{family[-1]}|{dob.year}-{dob.month:02d}"))
        if given and dob:
            views.append(("2", f"{given[0][0]}|{dob.isoformat()}"))  # new surname, nickname
        if dob and postcode:
            low, high = sorted((dob.day, dob.month))
            views.append(("3", f"{dob.year}|{low}-{high}|{postcode_sector(postcode)}"))  # swap
        if given and family:
            views.append(("4", f"{soundex(given[0])}|{soundex(family[-1])}"))  # wrong date
        return views

    def keys(self, attrs: PersonAttributes) -> list[str]:
        out = []
        memo = self._memo
        for prefix, view in self._views(attrs):
            text = f"{prefix}|{view}"
            key = memo.get(text)
            if key is None:  # coarse views repeat across people: most are memoised
                keyed = self._hash.copy()
                keyed.update(text.encode())
                # 12 bytes are 16 base64 characters exactly: no padding to strip.
                encoded = binascii.b2a_base64(keyed.digest(), newline=False).translate(_URLSAFE)
                key = f"b{prefix}:{encoded.decode()}"
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                memo[text] = key
            out.append(key)
        return out
