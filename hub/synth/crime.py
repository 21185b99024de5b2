"""Recorded crime and assault attendances at the emergency department.

The police see a crime with its victims, suspects and witnesses; some injured victims attend
the ED the same night (the same incident, seen twice). Most assault attendances, though,
are never reported to police (the reason the Cardiff Model exists), so ED-only assaults are
simulated too, on the same victims' weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from hub.synth import justice
from hub.synth import params as P
from hub.synth.education import SchoolModel
from hub.synth.population import Person
from hub.synth.simulate import ChunkSim, Record, Sampler, poisson


@dataclass(frozen=True, slots=True)
class CrimeSpec:
    share: float  # of all crimes recorded
    victim: float  # chance the crime has a (named) victim
    identified: float  # chance a suspect is named
    group: float  # chance of two or more suspects
    injury: float  # chance the victim is injured (may attend the ED)
    knife: float  # chance a knife or bladed article is involved
    serious: bool  # serious violence (counts for the SV trend and youth cohort)


#: The crime categories the model knows; exports map them to each partner's codes.
CRIMES: dict[str, CrimeSpec] = {
    "homicide": CrimeSpec(0.0008, 1.0, 0.95, 0.30, 0.0, 0.55, True),
    "attempted_murder": CrimeSpec(0.0015, 1.0, 0.85, 0.30, 1.0, 0.50, True),
    "gbh_s18": CrimeSpec(0.012, 1.0, 0.70, 0.25, 1.0, 0.45, True),
    "wounding_s20": CrimeSpec(0.030, 1.0, 0.65, 0.15, 1.0, 0.25, True),
    "assault_injury": CrimeSpec(0.250, 1.0, 0.60, 0.12, 1.0, 0.06, True),
    "common_assault": CrimeSpec(0.270, 1.0, 0.65, 0.08, 0.0, 0.02, False),
    "robbery": CrimeSpec(0.070, 1.0, 0.35, 0.45, 0.30, 0.15, True),
    "weapon_possession": CrimeSpec(0.045, 0.0, 1.00, 0.15, 0.0, 0.65, True),
    "public_order": CrimeSpec(0.120, 0.4, 0.85, 0.30, 0.0, 0.01, False),
    "criminal_damage": CrimeSpec(0.090, 1.0, 0.30, 0.15, 0.0, 0.0, False),
    "theft": CrimeSpec(0.100, 1.0, 0.20, 0.20, 0.0, 0.0, False),
}
#: Violent offences as the strategy counts "linked to another violent offence".
VIOLENT = frozenset(
    {"homicide", "attempted_murder", "gbh_s18", "wounding_s20", "assault_injury",
     "common_assault", "robbery", "weapon_possession", "public_order"}
)  # fmt: skip
#: Violence against the person (victim-based), for repeat victimisation.
VICTIM_VIOLENCE = VIOLENT - {"weapon_possession", "public_order"}
_MEANS = ("body_part", "blunt_object", "bottle_or_glass", "other")
_MEANS_W = (0.70, 0.12, 0.12, 0.06)
_PLACES = ("street", "home", "pub_or_club", "other_public", "workplace", "school")
_PLACES_W = (0.42, 0.22, 0.18, 0.10, 0.05, 0.03)

# Age factors (age at mid-period): children's ages matter year by year for the youth cohort.
_SUSPECT_CHILD = {10: 0.005, 11: 0.01, 12: 0.01, 13: 0.02, 14: 0.08, 15: 0.30, 16: 1.0, 17: 2.2}
_SUSPECT_ADULT = ((24, 1.6), (34, 1.0), (44, 0.5), (54, 0.22), (64, 0.07), (200, 0.02))
_VICTIM_AGE = ((9, 0.05), (13, 0.3), (17, 0.8), (24, 1.45), (34, 1.45), (44, 0.9),
               (54, 0.6), (64, 0.3), (200, 0.1))  # fmt: skip


def _banded(bands: tuple[tuple[int, float], ...], age: int) -> float:
    return next(f for top, f in bands if age <= top)


@dataclass(slots=True, eq=False)
class Crime:
    ref: str
    category: str
    at: datetime
    reported: datetime
    area: str
    weapon: str
    victims: list[Person]
    suspects: list[Person]
    witnesses: list[Person] = field(default_factory=list)
    outcome: str = "under_investigation"
    outcome_at: datetime | None = None


class CrimeModel:
    """Slots and handlers for crimes and ED attendances of one chunk."""

    def __init__(self, sim: ChunkSim, school: SchoolModel) -> None:
        self.sim, self.school = sim, school
        mid = sim.mid

        def suspect_w(p: Person) -> float:
            age = p.age_at(mid)
            f = _SUSPECT_CHILD.get(age, 0.0) if age < 18 else _banded(_SUSPECT_ADULT, age)
            return f * (P.SUSPECT_MALE if p.sex == "M" else 1.0) * P.SUSPECT_TIER[p.tier]

        def victim_w(p: Person) -> float:
            f = _banded(_VICTIM_AGE, p.age_at(mid)) * (P.VICTIM_MALE if p.sex == "M" else 1.0)
            return f * P.VICTIM_TIER[p.tier] * (1.0 if p.resident else 0.4)

        self.suspects = Sampler((p for p in sim.people if p.resident), suspect_w)
        self.visitors = Sampler((p for p in sim.people if not p.resident), suspect_w)
        self.victims = Sampler(sim.people, victim_w)
        self.adults = Sampler(sim.people, lambda p: 1.0 if p.age_at(mid) >= 18 else 0.0)
        cats = list(CRIMES)
        self._cats, self._shares = cats, [CRIMES[c].share for c in cats]

    def slots(self) -> list[tuple[datetime, int, str]]:
        sim, rng = self.sim, self.sim.rng
        n = poisson(rng, P.CRIME_RATE / 1000 * sim.residents * sim.days / 365.25)
        out = []
        for cat in rng.choices(self._cats, self._shares, k=n):
            day = sim.random_day()
            if CRIMES[cat].serious and rng.random() > P.SV_TREND ** sim.years_in(day):
                continue
            if day.weekday() < 4 and rng.random() < 0.2:  # Friday and weekend nights
                day = day + timedelta(days=4 - day.weekday() + rng.randrange(3))
            out.append((sim.random_time(min(day, sim.end)), 0, cat))
        injured = sum(CRIMES[c].share * CRIMES[c].injury for c in self._cats)
        ed_only = P.CRIME_RATE / 1000 * injured * P.ED_ATTEND * P.ED_ONLY_PER_LINKED
        for _ in range(poisson(rng, ed_only * sim.residents * sim.days / 365.25)):
            out.append((sim.random_time(sim.random_day()), 1, "ed_only"))
        return out

    def on_crime(self, at: datetime, cat: str) -> None:
        sim, rng, spec, day = self.sim, self.sim.rng, CRIMES[cat], at.date()

        def ok_victim(p: Person) -> bool:
            return p.available(day)

        def ok_suspect(p: Person) -> bool:
            return p.age_at(day) >= 10 and p.available(day)

        victims = []
        if rng.random() < spec.victim and (v := self.victims.draw(rng, ok_victim)):
            victims.append(v)
            if cat in VICTIM_VIOLENCE and rng.random() < 0.08:
                w = self.victims.draw(rng, lambda p: ok_victim(p) and p is not v)
                victims += [w] if w else []
        suspects: list[Person] = []
        if rng.random() < spec.identified:
            pool = self.visitors if rng.random() < sum(P.OUT_OF_CITY.values()) else self.suspects
            first = pool.draw(rng, lambda p: ok_suspect(p) and p not in victims)
            if first:
                suspects.append(first)
                if rng.random() < spec.group:
                    self._co_offenders(first, pool, suspects, victims, day)
        if not victims and not suspects:
            return
        knife = rng.random() < spec.knife
        weapon = "knife" if knife else rng.choices(_MEANS, _MEANS_W)[0]
        if cat == "weapon_possession" and not knife:
            weapon = "firearm" if rng.random() < 0.1 else "other"
        home = (victims or suspects)[0].address_at(day)
        area = home.area if home.region == "city" and rng.random() < 0.6 else (
            sim.geo.area_code("city", rng.choice(sim.geo.chunk_areas(sim.chunk))))  # fmt: skip
        delay = timedelta(minutes=rng.randint(10, 600))
        if rng.random() < 0.07:
            delay += timedelta(days=rng.randint(1, 60))
        crime = Crime(
            f"CR/{sim.ref('crime'):07d}/{at.year % 100:02d}", cat, at, at + delay, area,
            weapon, victims, suspects,
        )  # fmt: skip
        witness = self.adults.draw(rng, ok_victim) if rng.random() < 0.06 else None
        if witness is not None and witness not in victims and witness not in suspects:
            crime.witnesses.append(witness)
        if cat == "homicide":
            for victim in victims:
                victim.died = day
        justice.decide_outcome(sim, crime)
        self._police_rows(crime)
        for victim in victims:
            if rng.random() < spec.injury * P.ED_ATTEND and victim.available(day):
                self._ed(victim, at, crime.weapon, crime.area, crime.ref)
        justice.after_crime(sim, crime)
        if cat in VIOLENT:
            for suspect in suspects:
                if suspect.year_group(day) is not None and rng.random() < P.SCHOOL_CASCADE:
                    self.school.after_violence(suspect, day)

    def _co_offenders(
        self, first: Person, pool: Sampler, suspects: list[Person], victims: list[Person],
        day: date,
    ) -> None:  # fmt: skip
        sim, rng = self.sim, self.sim.rng
        extra = 1 + (rng.random() < 0.35) + (rng.random() < 0.15)
        peers = [
            p for p in sim.groups.get(first.group, [])
            if p is not first and p.available(day) and p not in victims and p.age_at(day) >= 10
        ]  # fmt: skip
        age = first.age_at(day)
        for _ in range(extra):
            if peers and rng.random() < 0.75:
                mate: Person | None = peers.pop(rng.randrange(len(peers)))
            else:
                mate = pool.draw(rng, lambda p: abs(p.age_at(day) - age) <= 4 and (
                    p.available(day) and p not in suspects and p not in victims))  # fmt: skip
            if mate and mate not in suspects:
                suspects.append(mate)

    def _police_rows(self, crime: Crime) -> None:
        sim = self.sim
        rows = [("victim", p) for p in crime.victims] + [("suspect", p) for p in crime.suspects]
        rows += [("witness", p) for p in crime.witnesses]
        final = crime.outcome_at
        for n, (role, person) in enumerate(rows, start=1):
            ref = f"{crime.ref}/{n}"
            if person.police_ref is None:
                person.police_ref = sim.ids.police_nominal()
            data: dict[str, Any] = {
                "crime": crime, "outcome": "under_investigation", "nominal": person.police_ref,
            }  # fmt: skip
            if final is not None and final <= crime.reported:
                data["outcome"] = crime.outcome
            base = Record(
                "police", ref, crime.reported, person, "crime", role, crime.category,
                crime.at.date(), data, detail=crime.weapon, incident=crime.ref,
            )  # fmt: skip
            sim.emit(base)
            if final is not None and final > crime.reported:
                update = Record(
                    "police", ref, final, person, "crime_update", role, crime.category,
                    crime.at.date(), {**data, "outcome": crime.outcome}, version=2,
                    detail=crime.outcome, incident=crime.ref,
                )  # fmt: skip
                sim.emit(update)

    def on_ed_only(self, at: datetime) -> None:
        sim, rng, day = self.sim, self.sim.rng, at.date()
        victim = self.victims.draw(rng, lambda p: p.available(day))
        if victim is None:
            return
        knife = rng.random() < 0.08
        means = "knife" if knife else rng.choices(_MEANS, _MEANS_W)[0]
        home = victim.address_at(day)
        area = home.area if home.region == "city" and rng.random() < 0.5 else (
            sim.geo.area_code("city", rng.choice(sim.geo.chunk_areas(sim.chunk))))  # fmt: skip
        self._ed(victim, at, means, area, "")

    def _ed(self, victim: Person, assault: datetime, means: str, area: str, incident: str) -> None:
        sim, rng = self.sim, self.sim.rng
        arrival = assault + timedelta(minutes=rng.randint(15, 360))
        data: dict[str, Any] = {
            "attendance_id": f"ED{sim.ref('ed'):09d}", "arrival": arrival, "assault": assault,
            "place": rng.choices(_PLACES, _PLACES_W)[0], "area": area,
            "means": "body_part" if means in ("firearm", "") else means,
        }  # fmt: skip
        sim.emit(Record(
            "ed", data["attendance_id"], arrival, victim, "ed_assault", "patient", "assault",
            assault.date(), data, detail=data["means"], incident=incident,
        ))  # fmt: skip
