"""The event simulation of one chunk: a chronological loop over incident slots.

Why chronological: custody and death must stop a person offending or being victimised, and
that is only simple if earlier incidents are handled first. Each handler may also emit
follow-up records (an ED attendance hours later, a court outcome weeks later, a release
months later) with their own future dates; exports are sorted by time afterwards.

Participants are drawn with weights (age, sex, latent risk tier) by `Sampler`, then checked
against the day (old enough, at liberty, alive): rejection keeps the weights static and
the draw O(log n).
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from typing import Any

from hub.synth.geography import Geography
from hub.synth.ids import Allocator
from hub.synth.params import SynthParams
from hub.synth.population import Person


@dataclass(slots=True, eq=False)
class Record:
    """One row a partner will export, with what the truth files need to know about it."""

    partner: str
    ref: str
    at: datetime  # when the partner recorded it: sorts the export and picks its month file
    person: Person
    kind: str  # truth event kind, e.g. "crime", "ed_assault", "released"
    role: str
    category: str
    occurred: date
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 1
    detail: str = ""
    incident: str = ""
    bad: str = ""  # reason kind when this is a deliberately bad row


class Sampler:
    """Weighted draws over a fixed list of people (weights must not change)."""

    def __init__(self, people: Iterable[Person], weight: Callable[[Person], float]) -> None:
        pairs = [(p, w) for p in people if (w := weight(p)) > 0]
        self.people = [p for p, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))

    def draw(
        self, rng: random.Random, ok: Callable[[Person], bool], tries: int = 40
    ) -> Person | None:
        if not self.people:
            return None
        total = self.cum[-1]
        for _ in range(tries):
            person = self.people[min(bisect(self.cum, rng.random() * total), len(self.cum) - 1)]
            if ok(person):
                return person
        return None


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (normal approximation above 50: the counts here are large or tiny)."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, prod = math.exp(-mean), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


#: Relative frequency of violence by hour of day: evenings and nights.
HOUR_WEIGHTS = (
    3.0, 2.6, 2.2, 1.6, 1.0, 0.7, 0.6, 0.8, 1.0, 1.2, 1.3, 1.5,
    1.7, 1.8, 1.9, 2.1, 2.4, 2.6, 2.8, 3.0, 3.2, 3.4, 3.6, 3.4,
)  # fmt: skip
_HOUR_CUM = list(accumulate(HOUR_WEIGHTS))


class ChunkSim:
    """Everything one chunk's simulation shares: people, randomness, counters, output."""

    def __init__(
        self, p: SynthParams, chunk: int, people: list[Person], rng: random.Random,
        ids: Allocator, geo: Geography,
    ) -> None:  # fmt: skip
        self.p, self.chunk, self.people, self.rng, self.ids, self.geo = (
            p, chunk, people, rng, ids, geo)  # fmt: skip
        self.start, self.end = p.start_date, p.end_date
        self.days = (self.end - self.start).days + 1
        self.mid = self.start + timedelta(days=self.days // 2)
        self.residents = sum(person.resident for person in people)
        self.records: list[Record] = []
        self.groups: dict[int, list[Person]] = {}
        for person in people:
            if person.group >= 0:
                self.groups.setdefault(person.group, []).append(person)

    def emit(self, record: Record) -> None:
        """Keep a record if the partner would have recorded it by the end of the period."""
        if self.start <= record.at.date() <= self.end:
            self.records.append(record)

    def random_day(self) -> date:
        return self.start + timedelta(days=self.rng.randrange(self.days))

    def random_time(self, day: date) -> datetime:
        hour = bisect(_HOUR_CUM, self.rng.random() * _HOUR_CUM[-1])
        return datetime.combine(day, time(min(hour, 23), self.rng.randrange(60)))

    def years_in(self, day: date) -> float:
        return (day - self.start).days / 365.25

    def ref(self, kind: str) -> int:
        return self.ids.ref(kind)


def school_day(day: date) -> date:
    """The next weekday in term time on or after ``day`` (August and Christmas are off)."""
    while (
        day.weekday() >= 5
        or day.month == 8
        or (day.month, day.day) >= (12, 21)
        or (day.month == 1 and day.day < 4)
    ):
        day += timedelta(days=1)
    return day
