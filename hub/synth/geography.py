"""A fictional city, its conurbation and the rest of the country: areas, streets, postcodes.

Why fictional: a generated address must never be a real one. Area codes are LSOA-shaped
(``E01`` + six digits) but drawn from ``E019xxxxx``, beyond the codes the ONS has issued
(about ``E01035xxx`` in 2021). Postcodes are well formed under the BS 7666 pattern but use
areas that do not exist: ``ZY`` for the city, ``ZW`` for the rest of the conurbation and
``ZX`` for elsewhere (the only real Z area is ZE, Shetland). A validator with the strict
government regular expression accepts them; no postcode lookup will ever find them.

Everything here is a pure function of small integers, so an address is the same wherever
and whenever it is generated: a person in one chunk can move to a street of another chunk
without any shared state.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from hub.synth import namelists

#: Region name -> (postcode area, first LSOA-like number, number of areas).
REGIONS: dict[str, tuple[str, int, int]] = {
    "city": ("ZY", 900_001, 0),  # size depends on the population, see `Geography`
    "conurbation": ("ZW", 950_001, 1_200),
    "elsewhere": ("ZX", 980_001, 2_000),
}
PEOPLE_PER_AREA = 1_600
STREETS_PER_AREA = 6
_UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # inward-code letters: never C, I, K, M, O, V


@dataclass(frozen=True, slots=True)
class Address:
    """One home. ``area`` is the LSOA-like code the hub keeps; the rest is identity."""

    number: int
    street: str
    area: str
    postcode: str
    region: str

    @property
    def line(self) -> str:
        return f"{self.number} {self.street}"


class Geography:
    """The areas of one generated city: built from the population size, nothing else."""

    def __init__(self, people: int, chunk_size: int) -> None:
        self.areas_per_chunk = max(1, -(-chunk_size // PEOPLE_PER_AREA))
        chunks = -(-people // chunk_size)
        self.city_areas = chunks * self.areas_per_chunk
        # Postcode districts stay within 1..99 whatever the size of the city.
        self._areas_per_district = max(8, -(-self.city_areas // 95))

    @cached_property
    def _stems(self) -> list[str]:
        return namelists.STREET_STEMS.split()

    @cached_property
    def _suffixes(self) -> list[str]:
        return namelists.STREET_SUFFIXES.split()

    def area_count(self, region: str) -> int:
        return self.city_areas if region == "city" else REGIONS[region][2]

    def area_code(self, region: str, index: int) -> str:
        return f"E01{REGIONS[region][1] + index:06d}"

    def chunk_areas(self, chunk: int) -> range:
        """City area indexes of one chunk's neighbourhoods."""
        first = chunk * self.areas_per_chunk
        return range(first, first + self.areas_per_chunk)

    def address(self, region: str, area: int, street: int, number: int) -> Address:
        """The address at house ``number`` of street ``street`` in area ``area``."""
        stems, suffixes = self._stems, self._suffixes
        salt = {"city": 0, "conurbation": 7, "elsewhere": 13}[region]
        name = (
            f"{stems[(area * 31 + street * 17 + salt) % len(stems)]} "
            f"{suffixes[(area * 7 + street * 5 + salt) % len(suffixes)]}"
        )
        prefix = REGIONS[region][0]
        district = (area // self._areas_per_district) % 99 + 1
        block = number // 24  # one postcode unit covers a run of houses
        sector = (area * 3 + street) % 10
        mix = (area * 7919 + street * 104_729 + block * 1_299_709) % (len(_UNIT_LETTERS) ** 2)
        unit = _UNIT_LETTERS[mix // len(_UNIT_LETTERS)] + _UNIT_LETTERS[mix % len(_UNIT_LETTERS)]
        return Address(
            number,
            name,
            self.area_code(region, area),
            f"{prefix}{district} {sector}{unit}",
            region,
        )


def region_of_area(code: str) -> str:
    """The region an area code belongs to (truth files and calibration use it)."""
    number = int(code[3:])
    if number >= REGIONS["elsewhere"][1]:
        return "elsewhere"
    if number >= REGIONS["conurbation"][1]:
        return "conurbation"
    return "city"
