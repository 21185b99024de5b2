"""Valid synthetic identifiers, allocated without collisions across chunks.

Check digits and letters come from `privacy.identifiers`, the same code the connectors use
to validate, so every identifier the generator writes passes the hub's own checks (except
the deliberately bad rows, which are corrupted afterwards and labelled).

Uniqueness without shared state: each chunk owns a disjoint block of every number space, so
chunks can be generated in any order, or in parallel, with the same result.

NHS numbers come from the range ``999 000 0000``-``999 999 9999``, reserved for testing and
never issued to a patient. It holds about 909,000 valid numbers (one nine-digit prefix in
eleven has no valid check digit), so a population above roughly 820,000 residents spills
into ``998``, ``997``..., which are not issued in England today but are *not* guaranteed
reserved; the manifest counts those people (``nhs_outside_test_range``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from privacy.identifiers import nhs_check_digit, pnc_check_letter, upn_check_letter

#: Fictional local-authority code used in UPNs and case ids (DfE codes run 201-938).
LA_CODE = "990"
_NHS_BLOCK_FACTOR = 1.16  # prefixes reserved per person: 11 in 10 are usable, plus margin
_NHS_SCRAMBLE = 7_919  # coprime with every block size used: spreads numbers within a block
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class IdentifierSpaceExhausted(ValueError):
    """A chunk ran out of its block of a number space (the block sizes are wrong)."""


@dataclass
class Allocator:
    """Per-chunk counters for every identifier and reference the generator issues."""

    chunk: int
    chunks: int
    people_per_chunk: int
    counters: dict[str, int] = field(default_factory=dict)

    def _next(self, name: str) -> int:
        value = self.counters.get(name, 0)
        self.counters[name] = value + 1
        return value

    def nhs_number(self) -> str:
        """The next valid NHS number of this chunk's block, in the 999 test range first."""
        block = int(self.people_per_chunk * _NHS_BLOCK_FACTOR) + 50
        if block % _NHS_SCRAMBLE == 0:
            block += 1
        while True:
            j = self._next("nhs")
            if j >= block:
                raise IdentifierSpaceExhausted(f"chunk {self.chunk}: NHS block exhausted")
            k = self.chunk * block + (j * _NHS_SCRAMBLE) % block
            first_nine = f"{(999 - k // 1_000_000) * 1_000_000 + k % 1_000_000:09d}"
            check = nhs_check_digit(first_nine)
            if check is not None:
                return first_nine + str(check)

    def pnc_id(self, year: int) -> str:
        """PNC ID ``YYYY/NNNNNNNA``: serial unique per chunk and year."""
        serial = f"{self.chunk * 20_000 + self._next(f'pnc{year}') + 1:07d}"
        return f"{year}/{serial}{pnc_check_letter(f'{year % 100:02d}', serial)}"

    def upn(self, establishment: int, entry_year: int) -> str:
        """UPN: check letter + LA + establishment + two-digit year + serial."""
        serial = self._next(f"upn{establishment}.{entry_year}")
        if serial > 999:
            raise IdentifierSpaceExhausted(f"UPN serials exhausted at {establishment}")
        last_twelve = f"{LA_CODE}{establishment:04d}{entry_year % 100:02d}{serial:03d}"
        return upn_check_letter(last_twelve) + last_twelve

    def prison_number(self) -> str:
        """NOMS-style ``A1234BC``; the number space is split by chunk."""
        n = self.chunk * 5_000 + self._next("prison")
        digits, rest = n % 10_000, n // 10_000
        return f"A{digits:04d}{_LETTERS[rest // 26 % 26]}{_LETTERS[rest % 26]}"

    def yj_case_id(self) -> str:
        return f"YJ{LA_CODE}-{self.chunk * 4_000 + self._next('yj') + 1:07d}"

    def police_nominal(self) -> str:
        return f"NOM{self.chunk * 30_000 + self._next('nominal') + 1:08d}"

    def ref(self, kind: str) -> int:
        """A number unique across the run for record references of ``kind``."""
        return self._next(f"ref.{kind}") * self.chunks + self.chunk
