"""What a synthetic run is asked for, and the knobs its model is calibrated with.

`SynthParams` is what the operator chooses (size, period, seed, bad rows). The module-level
constants are the model's calibration: rates and weights tuned so that the figures in
``docs/synthetic-data.md`` match the city's strategy (``shared/domain.md``). They live here,
in one place, so that a change of calibration is one reviewed diff, not a hunt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

GENERATOR_VERSION = "1.0.0"

#: People generated together; they share neighbourhoods, schools and peer groups. Fixed, so
#: that a seed means the same city whatever the machine: changing it changes every byte.
CHUNK_SIZE = 10_000

#: People who live outside the city but offend or are victimised in it, per resident.
NON_RESIDENT_SHARE = 0.04


_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class SynthParams:
    """One run of the generator: who, when, how noisy, and how reproducible."""

    people: int = 2_000
    years: int = 3
    end_date: date = date(2026, 9, 30)
    seed: int = 1
    bad_rows: int = 0
    chunk_size: int = CHUNK_SIZE
    noise: bool = True
    #: Extra figures for the manifest (free text; never changes the data).
    labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.people < 1:
            raise ValueError("people must be at least 1")
        if not 1 <= self.years <= 10:
            raise ValueError("years must be between 1 and 10")
        if self.bad_rows < 0:
            raise ValueError("bad_rows cannot be negative")
        if self.chunk_size < 100:
            raise ValueError("chunk_size must be at least 100")

    @property
    def start_date(self) -> date:
        """First day of the period: ``years`` before the day after ``end_date``."""
        try:
            return self.end_date.replace(year=self.end_date.year - self.years) + _ONE_DAY
        except ValueError:  # 29 February
            return date(self.end_date.year - self.years, 3, 1)

    @property
    def chunks(self) -> int:
        return -(-self.people // self.chunk_size)


# --- population ---------------------------------------------------------------------------

#: Age at the start of the period: (lowest, highest, weight). A young, growing city.
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (0, 4, 6.5), (5, 10, 8.0), (11, 15, 7.0), (16, 19, 6.0), (20, 24, 8.0), (25, 29, 8.0),
    (30, 34, 7.5), (35, 44, 13.0), (45, 54, 12.0), (55, 64, 11.0), (65, 79, 10.0),
    (80, 94, 3.0),
)  # fmt: skip

#: Latent risk: chance of being one of the few people who offend and are victimised again
#: and again (tier 2), or somewhat more than most (tier 1), by sex and age at start.
RISK_HIGH = {
    "M": {(10, 17): 0.030, (18, 29): 0.022, (30, 39): 0.008},
    "F": {(10, 17): 0.012, (18, 29): 0.009, (30, 39): 0.003},
}
RISK_ELEVATED = {
    "M": {(10, 17): 0.06, (18, 29): 0.05, (30, 44): 0.03},
    "F": {(10, 17): 0.03, (18, 29): 0.025, (30, 44): 0.015},
}

#: Chance a year of moving house, by tier; risk people move more (and leave stale addresses).
MOVE_RATE = (0.07, 0.12, 0.22)
#: Children open to statutory services (social care, complex safeguarding), by tier.
OPEN_TO_SERVICES = (0.02, 0.10, 0.35)
#: SEN provision by tier: (EHC plan E, SEN support K).
SEN_RATES = ((0.03, 0.12), (0.06, 0.22), (0.10, 0.30))

# --- events -------------------------------------------------------------------------------

#: Police recorded crimes per 1,000 residents a year (the categories in exports/police.py).
CRIME_RATE = 32.0
#: Serious violence falls year on year (the city's strategy saw -9%).
SV_TREND = 0.91
#: Assault attendances at the ED never reported to police, per police-linked attendance.
ED_ONLY_PER_LINKED = 1.5
#: Injured victims who attend the ED.
ED_ATTEND = 0.30
#: Suspensions, permanent exclusions, lunchtime exclusions and AP placements per pupil-year.
SUSPENSION_RATE = 0.085
PERM_RATE = 0.0012
LUNCH_RATE = 0.004
AP_RATE = 0.003
#: Child suspects whose school suspends them soon after (incidents spill into school).
SCHOOL_CASCADE = 0.25
#: Share of suspects living outside the city (22% elsewhere in the conurbation, 7% beyond).
OUT_OF_CITY = {"conurbation": 0.22, "elsewhere": 0.07}
#: Selection weight multipliers by risk tier (0, 1, 2) for each role.
SUSPECT_TIER = (1.0, 30.0, 800.0)
VICTIM_TIER = (1.0, 4.0, 45.0)
PUPIL_TIER = (1.0, 5.0, 25.0)
#: Male-to-female weight for each role.
SUSPECT_MALE = 1.8
VICTIM_MALE = 2.4
