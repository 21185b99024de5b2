"""What a source event means for the rules, extracted once (the linker writes it into
``LinkedEvent.facts``) so later stages never decode the source event again."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

#: Police serious-violence categories, and "violence" in the partnership's wider sense
#: (public order and weapon possession included, as the strategy counts them).
#: Possession of weapons is in the police serious-violence categories (docs/domain: the
#: SVCategory list) and in the partnership's serious violence; public order is violent but
#: not serious. Victims: violence against the person and robbery, not public order (fear,
#: alarm or distress) and not possession (which has no victim).
SERIOUS_VIOLENCE = frozenset(
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
VIOLENT = SERIOUS_VIOLENCE | {"public_order", "other_violence"}
VICTIM_VIOLENCE = VIOLENT - {"public_order", "possession_of_weapons"}
VIOLENT_OFFENCE_GROUPS = frozenset(
    {"HOMICIDE", "VIOLENCE_AGAINST_THE_PERSON", "ROBBERY", "POSSESSION_OF_WEAPONS", "PUBLIC_ORDER"}
)


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def facts(schema: str, event: dict[str, Any]) -> dict[str, Any]:
    identity = event["identity"]
    base: dict[str, Any] = {
        "role": None,
        "category": None,
        "violent": False,
        "group_offence": False,
        "age_at_event": identity["age_at_event"],
        "birth_month": identity["birth_month"],
        "area": identity["home_area"],
        "open_to_statutory_services": None,
        "release_date": None,
        "gravity_score": None,
        # For the partnership's aggregate indicators (hub.indicators); never per person.
        "sex": identity["sex"],
        "crime_ref": None,
        "location_area": None,
    }
    if schema == "PoliceCrimeEvent":
        base.update(
            kind="police.crime",
            occurred_on=_day(event["occurred_at"]),
            role=event["role"],
            category=event["sv_category"],
            violent=event["sv_category"] in VIOLENT,
            group_offence=event["number_of_suspects"] >= 2,
            crime_ref=event["crime_ref"],
            location_area=event["location_area"],
        )
    elif schema == "EdAssaultAttendance":
        base.update(
            kind="ed.assault_attendance",
            occurred_on=_day(event["assault_at"] or event["arrival_at"]),
            role="victim",
            category="assault_attendance",
            violent=True,
            location_area=event["assault_area"],
        )
    elif schema == "PrisonReleaseEvent":
        base.update(
            kind=f"prison.{event['kind']}",
            occurred_on=event["event_date"],
            category=event["index_offence_category"],
            violent=event["index_offence_category"] in VIOLENT_OFFENCE_GROUPS,
            release_date=event["release_date"],
        )
    elif schema == "SchoolExclusionEvent":
        base.update(
            kind=f"school.{event['kind']}",
            occurred_on=event["start_date"],
            category=event["reason"],
        )
    elif schema == "YouthJusticeEvent":
        base.update(
            kind=f"yjs.{event['kind']}",
            occurred_on=event["event_date"],
            category=event["offence_category"],
            violent=(event["offence_category"] or "") in VIOLENT_OFFENCE_GROUPS,
            open_to_statutory_services=event["open_to_statutory_services"],
            gravity_score=event["gravity_score"],
        )
    else:
        raise ValueError(f"no rule facts for schema {schema}")
    return base
