"""The people of one chunk: who they are, where they live, and where life has taken them.

A person is generated once, whole, at the start of the period (with their history before
it: an earlier arrest, a prison number, a school place), then the event simulation adds to
their story. A small latent share are *risk* people (tier 2, a few per cent of young men):
they offend and are victimised again and again, which is what produces the repeat-victim
and repeat-suspect patterns the partnership sees. Nobody outside a chunk is referred to, so
memory is bounded by the chunk size, not the population.
"""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate

from hub.synth import params as P
from hub.synth.geography import Address, Geography
from hub.synth.ids import Allocator
from hub.synth.names import NameBook

_FAR = date(9999, 1, 1)


@dataclass(slots=True, eq=False)
class Person:
    """A true person. Identifiers are ``None`` until life gives them one."""

    pid: str
    sex: str
    dob: date
    origin: str
    forename: str
    surname: str
    tier: int
    home: list[tuple[date, Address]]
    nhs: str
    alias_mask: int
    alias_pick: int
    resident: bool = True
    group: int = -1
    open_services: bool = False
    sen: str = "N"
    school_entry: int = 0  # year the child started Reception; 0 for none in the period
    schools: tuple[str, str] = ("", "")  # (primary URN, secondary URN)
    upn: str | None = None
    pnc: str | None = None
    pnc_from: date = _FAR
    prison_no: str | None = None
    yj_case: str | None = None
    police_ref: str | None = None
    custody: list[tuple[date, date]] = field(default_factory=list)
    died: date = _FAR

    def age_at(self, day: date) -> int:
        years = day.year - self.dob.year
        return years - 1 if (day.month, day.day) < (self.dob.month, self.dob.day) else years

    def address_at(self, day: date) -> Address:
        current = self.home[0][1]
        for since, address in self.home:
            if since > day:
                break
            current = address
        return current

    def previous_address(self, day: date) -> Address | None:
        """The address before the current one, if the person has moved by ``day``."""
        previous = None
        for i, (since, _) in enumerate(self.home):
            if since > day:
                break
            previous = self.home[i - 1][1] if i else None
        return previous

    def available(self, day: date) -> bool:
        """Out in the community (not in custody, alive) on ``day``."""
        if day >= self.died:
            return False
        return all(not (start <= day < end) for start, end in self.custody)

    def year_group(self, day: date) -> int | None:
        """National curriculum year (0 = Reception .. 11 = Year 11), or None if not at school."""
        if not self.school_entry:
            return None
        group = (day.year if day.month >= 9 else day.year - 1) - self.school_entry
        return group if 0 <= group <= 11 else None

    def school_at(self, day: date) -> str | None:
        group = self.year_group(day)
        if group is None:
            return None
        return self.schools[1] if group >= 7 else self.schools[0]


def _band_rate(table: dict[tuple[int, int], float], age: int) -> float:
    for (low, high), rate in table.items():
        if low <= age <= high:
            return rate
    return 0.0


class PopulationBuilder:
    """Builds the residents and visiting non-residents of one chunk."""

    def __init__(self, p: P.SynthParams, geo: Geography, names: NameBook) -> None:
        self.p, self.geo, self.names = p, geo, names
        self.start = p.start_date
        self._age_cum = list(accumulate(w for _, _, w in P.AGE_BANDS))

    def build(self, chunk: int, residents: int, rng: random.Random, ids: Allocator) -> list[Person]:
        people = [self._person(chunk, i, True, rng, ids) for i in range(residents)]
        visitors = max(1, round(residents * P.NON_RESIDENT_SHARE))
        people += [self._person(chunk, residents + i, False, rng, ids) for i in range(visitors)]
        self._groups(people, rng)
        return people

    def _age(self, rng: random.Random, resident: bool) -> int:
        if not resident:  # visitors who turn up in the city's crime are young, mostly
            return int(rng.triangular(13, 45, 19))
        low, high, _ = P.AGE_BANDS[bisect(self._age_cum, rng.random() * self._age_cum[-1])]
        return rng.randint(low, high)

    def _person(
        self, chunk: int, index: int, resident: bool, rng: random.Random, ids: Allocator
    ) -> Person:
        sex = "M" if rng.random() < (0.5 if resident else 0.78) else "F"
        age = self._age(rng, resident)
        dob = self.start - timedelta(days=age * 365 + rng.randint(0, 364) + age // 4)
        origin = self.names.origin(rng, young=age < 25)
        forename, surname = self.names.person_name(rng, sex, origin)
        tier = self._tier(rng, sex, age, resident)
        mask = sum(1 << bit for bit in range(6) if rng.random() < 0.12)
        person = Person(
            pid=f"P{chunk:04d}{index:06d}", sex=sex, dob=dob, origin=origin,
            forename=forename, surname=surname, tier=tier, home=[],
            nhs=ids.nhs_number(), alias_mask=mask, alias_pick=rng.randrange(1000),
            resident=resident,
        )  # fmt: skip
        person.home = self._homes(chunk, resident, tier, rng)
        self._history(person, age, rng, ids, chunk)
        return person

    def _tier(self, rng: random.Random, sex: str, age: int, resident: bool) -> int:
        boost = 1.0 if resident else 6.0
        draw = rng.random()
        if draw < _band_rate(P.RISK_HIGH[sex], age) * boost:
            return 2
        if draw < (_band_rate(P.RISK_HIGH[sex], age) + _band_rate(P.RISK_ELEVATED[sex], age)) * (
            boost
        ):
            return 1
        return 0

    def _homes(
        self, chunk: int, resident: bool, tier: int, rng: random.Random
    ) -> list[tuple[date, Address]]:
        region = "city" if resident else (
            "conurbation" if rng.random() < 0.76 else "elsewhere")  # fmt: skip
        homes = [(date.min, self._address(chunk, region, rng))]
        day, end = self.start, self.p.end_date
        while True:
            day += timedelta(days=int(rng.expovariate(P.MOVE_RATE[tier]) * 365) + 1)
            if day > end:
                return homes
            homes.append((day, self._address(chunk, region, rng)))

    def _address(self, chunk: int, region: str, rng: random.Random) -> Address:
        if region == "city" and rng.random() < 0.85:
            area = rng.choice(self.geo.chunk_areas(chunk))
        else:
            area = rng.randrange(self.geo.area_count(region))
        street = rng.randrange(6)
        return self.geo.address(region, area, street, rng.randint(1, 180))

    def _history(
        self, person: Person, age: int, rng: random.Random, ids: Allocator, chunk: int
    ) -> None:
        """What happened before the period: school place, an arrest, a prison number."""
        tier, start = person.tier, self.start
        if age < 18:
            person.open_services = rng.random() < P.OPEN_TO_SERVICES[tier]
        if person.resident and age <= 15 and age + self.p.years >= 4:
            dob = person.dob
            person.school_entry = dob.year + (4 if (dob.month, dob.day) <= (8, 31) else 5)
            k = rng.randrange(4)
            person.schools = (f"{900_000 + chunk * 5 + k}", f"{900_000 + chunk * 5 + 4}")
            person.upn = ids.upn(2000 + chunk * 4 + k, person.school_entry)
            e_rate, k_rate = P.SEN_RATES[tier]
            draw = rng.random()
            person.sen = "E" if draw < e_rate else "K" if draw < e_rate + k_rate else "N"
        if tier and age >= 13 and rng.random() < (0.8 if tier == 2 else 0.3):
            first = rng.randint(max(person.dob.year + 11, start.year - 8), start.year - 1)
            person.pnc = ids.pnc_id(first)
            person.pnc_from = date(first, rng.randint(1, 12), 1)
        if tier == 2 and age >= 21 and person.pnc and rng.random() < 0.35:
            person.prison_no = ids.prison_number()

    def _groups(self, people: list[Person], rng: random.Random) -> None:
        """Peer groups of 3-7 among young risk people of similar age: co-offenders."""
        start = self.start
        for resident in (True, False):
            young = sorted(
                (p for p in people if p.tier and p.resident is resident and
                 12 <= p.age_at(start) <= 30),
                key=lambda p: p.dob,
            )  # fmt: skip
            group, i = len(people) * (1 if resident else 2), 0
            while i < len(young):
                size = rng.randint(3, 7)
                for member in young[i : i + size]:
                    member.group = group
                group, i = group + 1, i + size
