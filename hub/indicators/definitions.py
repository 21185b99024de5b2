"""What each indicator counts: one place, shared by the linked-stream path and the truth.

The offence categories are the ``sv_category`` values the police connector writes
(``hub.connectors.police``); "violence" in the suspects' look-back is the partnership's wider
sense (public order and weapon possession included), as its strategy counts it.
"""

from __future__ import annotations

from typing import Final

#: Serious violent offences: the partnership's serious-violence categories, weapon
#: possession included (the Serious Violence Duty counts knife possession).
SERIOUS_OFFENCES: Final = frozenset(
    {
        "homicide",
        "attempted_murder",
        "gbh_s18",
        "wounding_s20",
        "assault_with_injury",
        "personal_robbery",
        "knife_enabled_crime",
        "possession_of_weapons",
    }
)
HOMICIDE: Final = "homicide"
#: Violence against the person: the offences that have a victim in the victim indicators.
VICTIM_VIOLENCE: Final = SERIOUS_OFFENCES - {"possession_of_weapons"} | {"other_violence"}
#: "Already linked to violence": public order and weapon possession included.
SUSPECT_VIOLENCE: Final = VICTIM_VIOLENCE | {"possession_of_weapons", "public_order"}
#: School events that count as an exclusion: suspensions and permanent exclusions.
EXCLUSION_KINDS: Final = frozenset({"school.suspension", "school.permanent_exclusion"})
#: Compulsory school age in England: 5 to 15 at the mid-year (the youth cohort).
COHORT_AGES: Final = (5, 15)
LOOKBACK_DAYS: Final = 365

#: Victims' age bands: (label, lowest, highest).
AGE_BANDS: Final = (
    ("0-17", 0, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-49", 35, 49),
    ("50-64", 50, 64),
    ("65+", 65, 200),
)
UNKNOWN: Final = "unknown"


def age_band(age: int | None) -> str:
    if age is None:
        return UNKNOWN
    return next((label for label, low, high in AGE_BANDS if low <= age <= high), UNKNOWN)


#: Indicator id -> plain-language label for the report (the board reads these).
LABELS: Final = {
    "sv_offences": "Serious violent offences",
    "sv_offence_rate": "Serious violent offences per 1,000 residents",
    "homicides": "Homicides",
    "homicide_rate": "Homicides per 1,000 residents",
    "victims": "Victims of violence",
    "victims_male_share": "Share of victims who are male",
    "victims_repeat_share": "Share of victims already a victim in the previous 12 months",
    "suspects": "Suspects of violence",
    "suspects_linked_share": "Share of suspects already linked to violence in the previous "
    "12 months",
    "suspects_in_city_share": "Share of suspects living in the city",
    "youth_excluded": "Children excluded from school",
    "youth_excluded_share": "Share of school-age children excluded (suspended or permanently "
    "excluded)",
}
