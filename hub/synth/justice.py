"""What follows a crime: the police outcome, Youth Justice for children, custody and release.

Children (10-17) charged or cautioned come to Youth Justice with a gravity score; adults
charged with serious violence often go to prison. Release is planned weeks ahead (a
scheduled-release record), happens (released), and for some is followed by recall. This is
what gives the prison-release and Youth Justice rules their positives, with real violent
histories behind them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from hub.synth.population import Person
from hub.synth.simulate import ChunkSim, Record

if TYPE_CHECKING:
    from hub.synth.crime import Crime

#: Crime category -> (chance charged | suspect named, custody chance for a charged adult,
#: sentence range in months).
_JUSTICE: dict[str, tuple[float, float, tuple[int, int]]] = {
    "homicide": (0.85, 1.0, (180, 360)),
    "attempted_murder": (0.70, 1.0, (120, 240)),
    "gbh_s18": (0.45, 0.85, (48, 120)),
    "wounding_s20": (0.30, 0.45, (6, 36)),
    "assault_injury": (0.22, 0.22, (3, 24)),
    "common_assault": (0.15, 0.05, (1, 6)),
    "robbery": (0.30, 0.60, (12, 60)),
    "weapon_possession": (0.60, 0.35, (4, 24)),
    "public_order": (0.25, 0.05, (1, 6)),
    "criminal_damage": (0.15, 0.03, (1, 6)),
    "theft": (0.20, 0.15, (2, 12)),
}
#: Youth gravity scores (1-8) by category, after the YJB gravity matrix (approximate).
GRAVITY = {
    "homicide": 8, "attempted_murder": 8, "gbh_s18": 7, "wounding_s20": 6, "assault_injury": 5,
    "common_assault": 3, "robbery": 6, "weapon_possession": 5, "public_order": 3,
    "criminal_damage": 2, "theft": 2,
}  # fmt: skip
_SDS40 = date(2024, 9, 10)  # standard determinate sentences: release at 40% from this date


def decide_outcome(sim: ChunkSim, crime: Crime) -> None:
    rng = sim.rng
    delay = timedelta(days=rng.randint(7, 200))
    if not crime.suspects:
        crime.outcome, delay = "no_suspect", timedelta(days=rng.randint(3, 60))
    else:
        charge = _JUSTICE[crime.category][0]
        draw = rng.random()
        if draw < charge:
            crime.outcome = "charged"
            if crime.category == "weapon_possession" and rng.random() < 0.5:
                delay = timedelta(0)  # caught with it: charged on the spot
        elif draw < charge + 0.06:
            crime.outcome = "caution"
        elif draw < charge + 0.14:
            crime.outcome = "community_resolution"
        elif draw < charge + 0.55:
            crime.outcome = "victim_declined"
        else:
            crime.outcome = "evidential_difficulties"
    crime.outcome_at = crime.reported + delay


def after_crime(sim: ChunkSim, crime: Crime) -> None:
    """Arrests (PNC IDs), Youth Justice and custody for each named suspect."""
    rng, day = sim.rng, crime.at.date()
    assert crime.outcome_at is not None
    decided = crime.outcome_at.date()
    for suspect in crime.suspects:
        if rng.random() < 0.75 and suspect.pnc is None:
            suspect.pnc = sim.ids.pnc_id(day.year)
            suspect.pnc_from = day
        if crime.outcome not in ("charged", "caution", "community_resolution"):
            continue
        if suspect.age_at(day) < 18:
            _youth_justice(sim, suspect, crime, decided)
        elif crime.outcome == "charged":
            odds, (low, high) = _JUSTICE[crime.category][1], _JUSTICE[crime.category][2]
            if rng.random() < odds:
                reception = decided + timedelta(days=rng.randint(0, 90))
                custody(sim, suspect, reception, rng.randint(low, high), crime.category)


def open_case(sim: ChunkSim, person: Person) -> str:
    if person.yj_case is None:
        person.yj_case = sim.ids.yj_case_id()
    return person.yj_case


def yj_record(
    sim: ChunkSim, person: Person, day: date, event: str, category: str, **extra: Any
) -> None:
    case = open_case(sim, person)
    at = datetime.combine(day, time(9 + sim.rng.randrange(8), sim.rng.randrange(60)))
    data = {"case_id": case, "event_type": event, "category": category,
            "gravity": GRAVITY.get(category), "open": person.open_services, **extra}  # fmt: skip
    sim.emit(Record(
        "youth_justice", f"YJE{sim.ref('yj'):09d}", at, person, f"yj_{event}", "young_person",
        category, day, data, detail=str(extra.get("outcome") or extra.get("intervention", "")),
    ))  # fmt: skip


def _youth_justice(sim: ChunkSim, child: Person, crime: Crime, decided: date) -> None:
    rng, cat = sim.rng, crime.category
    if crime.outcome == "community_resolution":
        yj_record(sim, child, decided, "outcome", cat, outcome="community_resolution",
                  intervention="diversion")  # fmt: skip
        return
    if crime.outcome == "caution":
        outcome = "youth_caution" if rng.random() < 0.6 else "youth_conditional_caution"
        yj_record(sim, child, decided, "outcome", cat, outcome=outcome, intervention="diversion")
        return
    yj_record(sim, child, decided, "charge", cat)
    court = decided + timedelta(days=rng.randint(20, 90))
    serious = GRAVITY[cat] >= 7
    draw = rng.random()
    if serious and draw < 0.6:
        outcome, months = "long_term_detention", rng.randint(24, 96)
    elif draw < (0.45 if serious else 0.12):
        outcome, months = "detention_and_training_order", rng.choice((4, 6, 8, 10, 12, 18, 24))
    elif draw < 0.55:
        outcome, months = "referral_order", 0
    else:
        outcome, months = "youth_rehabilitation_order", 0
    child.open_services = child.open_services or months > 0 or outcome != "referral_order"
    yj_record(sim, child, court, "outcome", cat, outcome=outcome,
              intervention="custody" if months else "statutory")  # fmt: skip
    if months:
        custody(sim, child, court, months, cat)


def custody(sim: ChunkSim, person: Person, reception: date, months: int, category: str) -> None:
    """Reception, then release planning, release and perhaps recall, within the period."""
    rng = sim.rng
    if person.prison_no is None:
        person.prison_no = sim.ids.prison_number()
    length = timedelta(days=int(months * 30.44))
    share = 0.5
    if months >= 48 and category in ("gbh_s18", "attempted_murder", "robbery"):
        share = 2 / 3
    elif months < 48 and reception + length * 0.4 >= _SDS40:
        share = 0.4
    release, kind = reception + length * share, "CRD"
    if months >= 180:
        release, kind = date.max, "PAROLE"
    elif 3 <= months < 48 and rng.random() < 0.3:
        release, kind = (
            max(reception + length / 4, release - timedelta(days=rng.randint(14, 135))),
            "HDC",
        )
    person.custody.append((reception, release))
    prison_record(sim, person, reception, "reception", category, release, kind, reception + length)
    if release != date.max:
        release_flow(sim, person, release, kind, category, reception + length)


def release_flow(
    sim: ChunkSim, person: Person, release: date, kind: str, category: str, expiry: date
) -> None:
    rng = sim.rng
    planned = max(release - timedelta(days=rng.randint(42, 84)), release - timedelta(days=7))
    prison_record(sim, person, planned, "release_scheduled", category, release, kind, expiry)
    prison_record(sim, person, release, "released", category, release, kind, expiry)
    if rng.random() < (0.30 if person.tier == 2 else 0.15):
        recalled = release + timedelta(days=rng.randint(30, 330))
        if recalled >= expiry:
            return
        back = recalled + timedelta(days=28 if rng.random() < 0.6 else rng.randint(90, 300))
        back = min(back, expiry)
        person.custody.append((recalled, back))
        prison_record(sim, person, recalled, "recalled", category, back, "RECALL_RELEASE", expiry)
        prison_record(sim, person, back, "released", category, back, "RECALL_RELEASE", expiry)


def prison_record(
    sim: ChunkSim, person: Person, day: date, event: str, category: str, release: date,
    kind: str, expiry: date,
) -> None:  # fmt: skip
    at = datetime.combine(day, time(8 + sim.rng.randrange(10), sim.rng.randrange(60)))
    data = {"event": event, "release": release, "release_type": kind, "expiry": expiry,
            "child": person.age_at(day) < 18}  # fmt: skip
    sim.emit(Record(
        "prisons", f"PE{sim.ref('prison'):09d}", at, person, event, "prisoner", category, day,
        data, detail=kind,
    ))  # fmt: skip


def pre_period(sim: ChunkSim) -> None:
    """Risk adults already serving a violent sentence when the period starts."""
    rng = sim.rng
    for person in sim.people:
        if person.prison_no and person.tier == 2 and rng.random() < 0.35:
            release = sim.start + timedelta(days=rng.randint(5, 720))
            category = rng.choice(("gbh_s18", "wounding_s20", "robbery", "assault_injury",
                                   "weapon_possession"))  # fmt: skip
            expiry = release + timedelta(days=rng.randint(120, 900))
            person.custody.append((sim.start - timedelta(days=400), release))
            release_flow(sim, person, release, "CRD", category, expiry)
