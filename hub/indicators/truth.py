"""The indicators' true values, straight from a synthetic partnership's ground truth.

Person-true, not linked: true person ids, true sex, age and home region, every event the
generator wrote (``truth/events.csv``), and the same definitions (``definitions.py``) and
population file as the linked path. The difference between the two is what linkage and
recording noise cost; tests hold it within sampling tolerance. City-wide figures only: the
ground truth does not place an offence in an area.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from hub.connectors.police import SV_CATEGORIES
from hub.indicators import definitions as D
from hub.indicators.compute import Period
from hub.indicators.population import Population
from hub.synth.exports.police import OFFENCES
from hub.synth.truth import TruthEvent, read_events


def hub_category(synth_category: str) -> str:
    """The ``sv_category`` the police connector gives a synthetic offence category."""
    _, _, ho_class, sv = OFFENCES[synth_category]
    if sv:
        return SV_CATEGORIES[sv]
    return "other_violence" if ho_class.startswith("Violence") else "not_violent"


def true_figures(synth: Path, population: Population, period: Period) -> dict[str, float]:
    """City-wide indicator values for ``period`` from the ground truth."""
    events = read_events(synth / "truth" / "events.csv")
    return figures(events, population, period)


def figures(events: list[TruthEvent], population: Population, period: Period) -> dict[str, float]:
    year = population.year_for(period.start, period.end)
    c: Counter[str] = Counter()
    incidents: dict[str, str] = {}
    history: dict[tuple[str, str], list[date]] = defaultdict(list)
    excluded: set[str] = set()
    crimes = []
    for e in events:
        day = date.fromisoformat(e.occurred)
        if e.kind == "crime":
            cat = hub_category(e.category)
            violent = D.VICTIM_VIOLENCE if e.role == "victim" else D.SUSPECT_VIOLENCE
            if cat in violent:
                history[(e.person_id, e.role)].append(day)
            if day in period:
                incidents.setdefault(e.incident, cat)
                crimes.append((day, cat, e))
        elif e.kind == "exclusion" and e.category in ("FIXD", "PERM") and day in period:
            excluded.add(e.person_id)
    for day, cat, e in crimes:
        earlier = any(0 < (day - d).days <= D.LOOKBACK_DAYS for d in history[(e.person_id, e.role)])
        if e.role == "victim" and cat in D.VICTIM_VIOLENCE:
            c["victims"] += 1
            c["victims_male"] += e.sex == "M"
            c["victims_repeat"] += earlier
            c[f"age_{D.age_band(e.age)}"] += 1
        elif e.role == "suspect" and cat in D.SUSPECT_VIOLENCE:
            c["suspects"] += 1
            c["suspects_linked"] += earlier
            c["suspects_city"] += e.region == "city"
    sv = sum(cat in D.SERIOUS_OFFENCES for cat in incidents.values())
    homicides = sum(cat == D.HOMICIDE for cat in incidents.values())
    pop, cohort = population.total(year), population.total(year, ages=D.COHORT_AGES)
    out = {
        "sv_offences": float(sv),
        "sv_offence_rate": sv * 1000 / pop,
        "homicides": float(homicides),
        "homicide_rate": homicides * 1000 / pop,
        "victims": float(c["victims"]),
        "victims_male_share": _ratio(c["victims_male"], c["victims"]),
        "victims_repeat_share": _ratio(c["victims_repeat"], c["victims"]),
        "suspects": float(c["suspects"]),
        "suspects_linked_share": _ratio(c["suspects_linked"], c["suspects"]),
        "suspects_in_city_share": _ratio(c["suspects_city"], c["suspects"]),
        "youth_excluded": float(len(excluded)),
        "youth_excluded_share": _ratio(len(excluded), cohort),
    }
    for label, _, _ in D.AGE_BANDS:
        out[f"victims_aged_{label}_share"] = _ratio(c[f"age_{label}"], c["victims"])
    return out


def _ratio(num: int, den: int) -> float:
    return num / den if den else float("nan")
