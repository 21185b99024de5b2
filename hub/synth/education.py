"""School suspensions, permanent exclusions and alternative provision (the school census).

Rates follow England's published levels (about 9 suspensions per 100 pupils a year, about
one permanent exclusion per 1,000), concentrated in secondary years, in boys, in pupils
with SEN, and above all in the latent risk children: the same children who turn up in the
crime and Youth Justice data, which is why "excluded and involved in violence" has
positives. Violence outside school spills in: a child named as a suspect is often suspended
soon after.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hub.synth import justice
from hub.synth import params as P
from hub.synth.population import Person
from hub.synth.simulate import ChunkSim, Record, Sampler, poisson, school_day

_REASONS = ("PD", "VA", "PP", "PA", "VP", "US", "BU", "RA", "AB", "AR", "SM", "DA", "DM",
            "TH", "MT", "OT")  # fmt: skip
_REASON_W = {
    "FIXD": (36, 11, 10, 5, 7, 2, 2, 2, 1, 0.5, 1, 2, 3, 2, 2, 10.5),
    "LNCH": (50, 15, 10, 3, 10, 0, 2, 1, 1, 0.5, 0, 0, 2, 1, 1, 3.5),
    "PERM": (34, 8, 15, 13, 4, 7, 1, 1, 0.5, 0.5, 2, 10, 1, 1, 0.5, 1.5),
}
_RISK_REASON_W = (30, 10, 18, 10, 8, 8, 2, 1, 1, 0.5, 1, 4, 3, 2, 1, 0.5)
_VIOLENT_REASONS = ("PP", "PA", "US", "VP")


class SchoolModel:
    """Slots and handlers for the school census events of one chunk."""

    def __init__(self, sim: ChunkSim) -> None:
        self.sim = sim
        mid = sim.mid

        def weight(p: Person, tier_power: float) -> float:
            group = p.year_group(mid)
            if group is None:
                return 0.0
            w = 4.0 if group >= 7 else 0.5
            w *= 2.5 if p.sex == "M" else 1.0
            w *= {"E": 3.0, "K": 2.5}.get(p.sen, 1.0)
            return w * float(P.PUPIL_TIER[p.tier] ** tier_power)

        pupils = [p for p in sim.people if p.school_entry]
        self.pupils = Sampler(pupils, lambda p: weight(p, 1.0))
        self.severe = Sampler(pupils, lambda p: weight(p, 1.6))
        self.pupil_years = sum(p.year_group(mid) is not None for p in pupils) * sim.days / 365.25

    def slots(self) -> list[tuple[datetime, int, str]]:
        sim, out = self.sim, []
        for category, rate in (("FIXD", P.SUSPENSION_RATE), ("LNCH", P.LUNCH_RATE),
                               ("PERM", P.PERM_RATE), ("AP", P.AP_RATE)):  # fmt: skip
            for _ in range(poisson(sim.rng, rate * self.pupil_years)):
                out.append((datetime.combine(sim.random_day(), time(10)), 2, category))
        return out

    def on_slot(self, at: datetime, category: str) -> None:
        day = school_day(at.date())
        sampler = self.pupils if category in ("FIXD", "LNCH") else self.severe
        pupil = sampler.draw(
            self.sim.rng, lambda p: p.year_group(day) is not None and p.available(day)
        )
        if pupil is not None:
            self.exclude(pupil, day, category)

    def after_violence(self, pupil: Person, day: date) -> None:
        """A suspension (sometimes a permanent exclusion) after violence outside school."""
        rng = self.sim.rng
        day = school_day(day + timedelta(days=rng.randint(1, 14)))
        if pupil.year_group(day) is None or not pupil.available(day):
            return
        category = "PERM" if rng.random() < 0.06 else "FIXD"
        self.exclude(pupil, day, category, rng.choice(_VIOLENT_REASONS))

    def exclude(self, pupil: Person, day: date, category: str, reason: str = "") -> None:
        sim, rng = self.sim, self.sim.rng
        school = pupil.school_at(day)
        if school is None:
            return
        if not reason:
            weights = _RISK_REASON_W if pupil.tier == 2 else _REASON_W.get(category, _RISK_REASON_W)
            reason = rng.choices(_REASONS, weights)[0]
        sessions = {"FIXD": rng.choice((1, 2, 2, 2, 4, 4, 6, 10)), "LNCH": 1}.get(category)
        data = {"urn": school, "sessions": sessions, "reason": reason, "sen": pupil.sen}
        at = datetime.combine(day, time(9 + rng.randrange(7), rng.randrange(60)))
        sim.emit(Record(
            "schools", f"EX{sim.ref('school'):09d}", at, pupil, "exclusion", "pupil",
            category, day, data, detail=reason,
        ))  # fmt: skip
        if category == "PERM":
            # Excluded for good: a pupil referral unit takes over, by AP placement.
            pupil.schools = (f"{950_000 + sim.chunk}", f"{950_000 + sim.chunk}")
            self.exclude(pupil, school_day(day + timedelta(days=rng.randint(3, 20))), "AP",
                         reason)  # fmt: skip
        if (
            category in ("PERM", "AP")
            and pupil.tier
            and pupil.age_at(day) >= 10
            and (pupil.yj_case is None and rng.random() < 0.3)
        ):
            justice.yj_record(sim, pupil, day + timedelta(days=rng.randint(7, 40)),
                              "intervention", "", intervention="prevention")  # fmt: skip
