"""The figures the synthetic city is calibrated to, measured from ground-truth events.

Measured per chunk during generation (a chunk holds every event of its people, so nothing
is missed) and summed: the manifest carries the result. Tests measure again from
``truth/events.csv`` with the same function, so the docs, the manifest and the tests agree
on one definition of each figure.

Look-back figures ("already a victim in the previous 12 months") are measured only on
events with a full year of simulated history behind them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from hub.synth.crime import CRIMES, VICTIM_VIOLENCE, VIOLENT
from hub.synth.truth import TruthEvent

SERIOUS = frozenset(c for c, spec in CRIMES.items() if spec.serious)
_YEAR = timedelta(days=365)

#: Figure -> (target from the city's strategy, tolerance used by the tests).
TARGETS: dict[str, tuple[float, float]] = {
    "victims_male_share": (0.78, 0.05),
    "victims_aged_18_34_share": (0.60, 0.10),  # "most in their twenties and early thirties"
    "victims_repeat_12m_share": (0.25, 0.06),
    "suspects_linked_12m_share": (0.667, 0.08),
    "suspects_in_city_share": (0.71, 0.05),
    "suspects_male_share": (0.82, 0.05),
    "youth_sv_mean_age": (16.3, 0.4),
    "youth_sv_male_share": (0.87, 0.12),
    "ed_unreported_share": (0.60, 0.08),  # modelled (Cardiff Model literature), not the strategy
}


@dataclass
class Tally:
    """Counts from which every figure is a ratio; tallies of chunks add up."""

    counts: Counter[str] = field(default_factory=Counter)

    def __iadd__(self, other: Tally) -> Tally:
        self.counts.update(other.counts)
        return self

    def figures(self) -> dict[str, float]:
        c = self.counts

        def ratio(num: str, den: str) -> float:
            return round(c[num] / c[den], 4) if c[den] else float("nan")

        return {
            "victims_male_share": ratio("victims_male", "victims"),
            "victims_aged_18_34_share": ratio("victims_18_34", "victims"),
            "victims_repeat_12m_share": ratio("victims_repeat", "victims_lookback"),
            "suspects_linked_12m_share": ratio("suspects_linked", "suspects_lookback"),
            "suspects_in_city_share": ratio("suspects_city", "suspects"),
            "suspects_male_share": ratio("suspects_male", "suspects"),
            "youth_sv_mean_age": ratio("youth_age_sum", "youth"),
            "youth_sv_male_share": ratio("youth_male", "youth"),
            "ed_unreported_share": ratio("ed_unreported", "ed"),
        }

    def positives(self) -> dict[str, int]:
        """People (or crimes) that each partnership rule should flag: none may be zero."""
        keys = ("excluded_and_violent", "yj_turning_18", "released_violent_history",
                "three_partners_90d", "group_offences", "repeat_child_victims")  # fmt: skip
        return {k: self.counts[k] for k in keys}


def measure(events: Iterable[TruthEvent], start: date) -> Tally:
    """Tally the calibration figures and rule positives over complete person histories."""
    tally, c = Tally(), Counter[str]()
    by_person: dict[str, list[TruthEvent]] = defaultdict(list)
    suspects_per_incident: Counter[str] = Counter()
    for e in events:
        if e.kind != "crime_update":
            by_person[e.person_id].append(e)
        if e.kind == "crime" and e.role == "suspect":
            suspects_per_incident[e.incident] += 1
    c["group_offences"] = sum(n >= 2 for n in suspects_per_incident.values())
    lookback_from = start + _YEAR
    for history in by_person.values():
        history.sort(key=lambda e: e.occurred)
        dated = [(date.fromisoformat(e.occurred), e) for e in history]
        _person(c, dated, lookback_from)
    tally.counts = c
    return tally


def _earlier(
    dated: list[tuple[date, TruthEvent]], day: date, role: str, cats: frozenset[str]
) -> bool:
    return any(
        day - _YEAR <= d < day and e.kind == "crime" and e.role == role and e.category in cats
        for d, e in dated
    )


def _person(c: Counter[str], dated: list[tuple[date, TruthEvent]], lookback_from: date) -> None:
    victim_child = 0
    for day, e in dated:
        if e.kind == "crime" and e.role == "victim" and e.category in VICTIM_VIOLENCE:
            c["victims"] += 1
            c["victims_male"] += e.sex == "M"
            c["victims_18_34"] += 18 <= e.age <= 34
            victim_child += e.age < 18
            if day >= lookback_from:
                c["victims_lookback"] += 1
                c["victims_repeat"] += _earlier(dated, day, "victim", VICTIM_VIOLENCE)
        elif e.kind == "crime" and e.role == "suspect" and e.category in VIOLENT:
            c["suspects"] += 1
            c["suspects_male"] += e.sex == "M"
            c["suspects_city"] += e.region == "city"
            if day >= lookback_from:
                c["suspects_lookback"] += 1
                c["suspects_linked"] += _earlier(dated, day, "suspect", VIOLENT)
            if e.category in SERIOUS and e.age < 18:
                c["youth"] += 1
                c["youth_age_sum"] += e.age
                c["youth_male"] += e.sex == "M"
        elif e.kind == "ed_assault":
            c["ed"] += 1
            c["ed_unreported"] += not e.incident
    c["repeat_child_victims"] += victim_child >= 2
    _rules(c, dated)


def _rules(c: Counter[str], dated: list[tuple[date, TruthEvent]]) -> None:
    violent_child = [d for d, e in dated if e.age < 18 and (
        e.kind == "ed_assault" or (e.kind == "crime" and e.category in VIOLENT))]  # fmt: skip
    excluded = [d for d, e in dated if e.kind == "exclusion"]
    c["excluded_and_violent"] += any(
        abs((x - v).days) <= 365 for x in excluded for v in violent_child
    )
    c["yj_turning_18"] += any(e.kind.startswith("yj_") and e.age == 17 for _, e in dated)
    c["released_violent_history"] += any(
        e.kind == "released" and (e.category in VIOLENT or _earlier(dated, d, "suspect", VIOLENT))
        for d, e in dated
    )
    for i, (day, _) in enumerate(dated):
        partners = {e.partner for d, e in dated[i:] if (d - day).days <= 90}
        if len(partners) >= 3:
            c["three_partners_90d"] += 1
            break
