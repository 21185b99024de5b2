"""Count what the indicators need, for one period, from de-duplicated linked events.

Offence-based figures are placed in the area where the offence happened (the police
record's location); exclusions in the child's home area. An offence or a person with no
area, or one outside the city's areas, is counted in the row ``other`` so totals stay whole.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from hub.indicators import definitions as D
from hub.indicators.events import IndicatorEvent
from hub.indicators.tables import Table

OTHER = "other"
SEXES = ("M", "F", "U")


@dataclass(frozen=True, slots=True)
class Period:
    """Inclusive dates; ``previous`` is the period of equal length just before."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.start.isoformat()} to {self.end.isoformat()}"


def month_end(day: date) -> date:
    """The last day of ``day``'s month: a default period ends with a whole month."""
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def last_months(end: date, months: int) -> Period:
    """The ``months`` whole calendar months ending with ``end``'s month (or ``end`` itself)."""
    year, month = end.year, end.month - months + 1
    while month < 1:
        year, month = year - 1, month + 12
    return Period(date(year, month, 1), end)


def build_tables(
    events: Iterable[IndicatorEvent],
    period: Period,
    areas: Iterable[str],
    city_homes: frozenset[str] = frozenset(),
) -> list[Table]:
    """The published count tables of one period (``events`` include the look-back year).

    ``city_homes``: home-area codes in the city (its areas and postcode districts)."""
    rows = [*sorted(areas), OTHER]
    known = set(rows)

    def place(area: str | None) -> str:
        return area if area in known and area != OTHER else OTHER

    def table(name: str, columns: Iterable[str], total: str | None = None) -> Table:
        return Table(name, list(rows), list(columns), total=total)

    sv, homicides = table("sv_offences", ["count"]), table("homicides", ["count"])
    by_sex = table("victims_by_sex", SEXES, "victims")
    by_age = table("victims_by_age", [b[0] for b in D.AGE_BANDS] + [D.UNKNOWN], "victims")
    by_repeat = table("victims_by_history", ["repeat", "first"], "victims")
    by_link = table("suspects_by_history", ["linked", "not_linked"], "suspects")
    by_home = table("suspects_by_home", ["city", "outside", D.UNKNOWN], "suspects")
    excluded = table("youth_excluded", ["count"])

    crimes: dict[str, tuple[str | None, str]] = {}
    history: dict[tuple[str, str], list[date]] = defaultdict(list)  # (person, role) -> days
    pupils: dict[str, tuple[date, str | None]] = {}
    in_period: list[IndicatorEvent] = []
    for e in events:
        police = e.kind == "police.crime"
        if police and e.role in ("victim", "suspect") and _violent_in_role(e):
            history[(e.person_id, e.role)].append(e.occurred_on)
        if e.occurred_on not in period:
            continue
        if police:
            if e.crime_ref is not None and e.crime_ref not in crimes:
                crimes[e.crime_ref] = (e.location_area, e.category or "")
            in_period.append(e)
        elif e.kind in D.EXCLUSION_KINDS:
            first = pupils.get(e.person_id)
            if first is None or e.occurred_on < first[0]:
                pupils[e.person_id] = (e.occurred_on, e.home_area)
    for days in history.values():
        days.sort()

    for area, category in crimes.values():
        if category in D.SERIOUS_OFFENCES:
            sv.add(place(area), "count")
        if category == D.HOMICIDE:
            homicides.add(place(area), "count")
    for e in in_period:
        row = place(e.location_area)
        earlier = _earlier(history.get((e.person_id, e.role or ""), []), e.occurred_on)
        if e.role == "victim" and e.category in D.VICTIM_VIOLENCE:
            by_sex.add(row, e.sex if e.sex in SEXES else "U")
            by_age.add(row, D.age_band(e.age))
            by_repeat.add(row, "repeat" if earlier else "first")
        elif e.role == "suspect" and e.category in D.SUSPECT_VIOLENCE:
            by_link.add(row, "linked" if earlier else "not_linked")
            home = D.UNKNOWN if e.home_area is None else (
                "city" if e.home_area in city_homes or e.home_area in known - {OTHER}
                else "outside")  # fmt: skip
            by_home.add(row, home)
    for _, area in pupils.values():
        excluded.add(place(area), "count")
    return [sv, homicides, by_sex, by_age, by_repeat, by_link, by_home, excluded]


def _violent_in_role(e: IndicatorEvent) -> bool:
    cats = D.VICTIM_VIOLENCE if e.role == "victim" else D.SUSPECT_VIOLENCE
    return e.category in cats


def _earlier(days: list[date], day: date) -> bool:
    """An event in the 365 days before ``day`` (same-day events do not count)."""
    i = bisect_left(days, day)
    return i > 0 and (day - days[i - 1]).days <= D.LOOKBACK_DAYS
