"""Name sampling and name variants, from the lists in `namelists`.

Names are drawn by rank with Zipf-like weights (weight 1/(rank+4)), so a few names are very
common: linkage on names alone must then fail often, as it does on real registers. Variant
groups (Robert/Bob, Mohammed/Muhammad) are what partners really record for one person.
"""

from __future__ import annotations

import random
from bisect import bisect
from itertools import accumulate

from hub.synth import namelists


class _Pool:
    """Names of one list with cumulative rank weights, for O(log n) weighted draws."""

    def __init__(self, text: str) -> None:
        seen: dict[str, None] = {}
        for name in text.split():
            seen.setdefault(name, None)
        self.names = list(seen)
        self.cum = list(accumulate(1.0 / (rank + 4) for rank in range(len(self.names))))

    def draw(self, rng: random.Random) -> str:
        return self.names[bisect(self.cum, rng.random() * self.cum[-1])]


def _origin_cum(shares: dict[str, float]) -> tuple[list[str], list[float]]:
    return list(shares), list(accumulate(shares.values()))


class NameBook:
    """Given names by sex and origin, family names by origin, and variant groups."""

    def __init__(self) -> None:
        self.given = {
            "M": {k: _Pool(v) for k, v in namelists.GIVEN_MALE.items()},
            "F": {k: _Pool(v) for k, v in namelists.GIVEN_FEMALE.items()},
        }
        self.family = {k: _Pool(v) for k, v in namelists.FAMILY.items()}
        self._origins = _origin_cum(namelists.ORIGIN_SHARES)
        self._young_origins = _origin_cum(namelists.YOUNG_ORIGIN_SHARES)
        self.variants: dict[str, tuple[str, ...]] = {}
        for line in namelists.VARIANTS.strip().splitlines():
            group = tuple(dict.fromkeys(line.split()))
            for name in group:
                # A name in several groups (Jon) keeps all its alternatives.
                known = self.variants.get(name, ())
                self.variants[name] = tuple(
                    dict.fromkeys(known + tuple(n for n in group if n != name))
                )
        self.variants = {k: v for k, v in self.variants.items() if v}

    def origin(self, rng: random.Random, *, young: bool) -> str:
        keys, cum = self._young_origins if young else self._origins
        return keys[bisect(cum, rng.random() * cum[-1])]

    def person_name(self, rng: random.Random, sex: str, origin: str) -> tuple[str, str]:
        """A given and family name; a few people have names from two origins (families mix)."""
        family_origin = origin if rng.random() < 0.93 else self.origin(rng, young=False)
        return self.given[sex][origin].draw(rng), self.family[family_origin].draw(rng)

    def variant(self, name: str, pick: int) -> str:
        """Deterministic alternative spelling ``pick`` of ``name``, or the name itself."""
        options = self.variants.get(name)
        if not options:
            return name
        return options[pick % len(options)]
