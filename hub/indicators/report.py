"""The board's report: one self-contained HTML page, and a CSV of every published figure.

Plain language, a headline table, charts as inline SVG (``svg.py``), no external resources.
A withheld figure shows as ``[c]`` (the ONS marker for confidential) with a footnote.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from hub.indicators import definitions as D
from hub.indicators.compute import OTHER
from hub.indicators.figures import CURRENT, PREVIOUS, Figure, Published, Trend
from hub.indicators.svg import grouped_bars
from hub.indicators.tables import TOTAL

MARK = "[c]"
HEADLINE = (
    "sv_offences", "sv_offence_rate", "homicides", "homicide_rate", "victims",
    "victims_male_share", "victims_repeat_share", "suspects", "suspects_linked_share",
    "suspects_in_city_share", "youth_excluded", "youth_excluded_share",
)  # fmt: skip
CSV_HEADER = (
    "indicator", "label", "area", "kind", "period_start", "period_end", "numerator",
    "denominator", "value", "previous_numerator", "previous_denominator", "previous_value",
    "change", "change_unit",
)  # fmt: skip


@dataclass
class ReportInfo:
    """What the reader needs to know about where the figures came from."""

    source: str
    notes: list[str] = field(default_factory=list)


def label(indicator: str) -> str:
    if indicator.startswith("victims_aged_"):
        band = indicator.removeprefix("victims_aged_").removesuffix("_share")
        return f"Share of victims aged {band}"
    return D.LABELS[indicator]


#: Short names for chart axes (the tables carry the full labels).
SHORT = {
    "sv_offence_rate": "Serious violent offences",
    "homicide_rate": "Homicides",
    "victims_male_share": "Victims who are male",
    "victims_repeat_share": "Victims, already victims in 12 months",
    "suspects_linked_share": "Suspects, already linked in 12 months",
    "suspects_in_city_share": "Suspects living in the city",
}


def short(indicator: str) -> str:
    if indicator.startswith("victims_aged_"):
        return "Aged " + indicator.removeprefix("victims_aged_").removesuffix("_share")
    return SHORT.get(indicator, label(indicator))


def area_name(area: str) -> str:
    return {TOTAL: "All areas", OTHER: "Outside the city's areas or not recorded"}.get(area, area)


def fmt(fig: Figure) -> str:
    if fig.value is None:
        return MARK if fig.suppressed else "-"
    return _fmt(fig.kind, fig.value)


def _fmt(kind: str, value: float) -> str:
    if kind == "share":
        return f"{value * 100:.1f}%"
    if kind == "rate":
        return f"{value:.2f}"
    return f"{value:,.0f}"


def change_text(trend: Trend) -> str:
    change = trend.change
    if change is None:
        return MARK if trend.current.suppressed or trend.previous.suppressed else "-"
    unit = " points" if trend.current.kind == "share" else "%"
    word = "up" if change > 0.05 else "down" if change < -0.05 else "no change"
    return f"{word} {abs(change):.1f}{unit}" if word != "no change" else word


def write_csv(pub: Published, path: Path) -> Path:
    """Every indicator, every area, both periods: one row each, withheld cells marked."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for (indicator, area), t in pub.trends.items():
            now, before = t.current, t.previous
            writer.writerow((
                indicator, label(indicator), area, now.kind, pub.period.start, pub.period.end,
                _cell(now.numerator), _cell(now.denominator), _value(now),
                _cell(before.numerator), _cell(before.denominator), _value(before),
                "" if t.change is None else f"{t.change:.2f}",
                "percentage points" if now.kind == "share" else "per cent",
            ))  # fmt: skip
    return path


def write_tables_csv(pub: Published, path: Path) -> Path:
    """The count tables behind the indicators, after suppression."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("period", "period_start", "period_end", "table", "area", "column",
                         "count"))  # fmt: skip
        for (period, table, row, column), value in sorted(pub.cells.items()):
            dates = pub.period if period == CURRENT else pub.previous
            shown = MARK if (period, table, row, column) in pub.hidden else str(value)
            writer.writerow((period, dates.start, dates.end, table, row, column, shown))
    return path


def _cell(n: int | None) -> str:
    return "" if n is None else str(n)


def _value(fig: Figure) -> str:
    if fig.value is None:
        return MARK if fig.suppressed else ""
    return f"{fig.value:.6g}"


def write_report(pub: Published, out: Path, info: ReportInfo) -> dict[str, Path]:
    """``index.html``, ``indicators.csv`` and ``tables.csv`` in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "html": out / "index.html",
        "csv": write_csv(pub, out / "indicators.csv"),
        "tables": write_tables_csv(pub, out / "tables.csv"),
    }
    paths["html"].write_text(html(pub, info), encoding="utf-8")
    return paths


def html(pub: Published, info: ReportInfo) -> str:
    main_area = TOTAL if TOTAL in pub.areas else pub.areas[0]
    now_name = f"{pub.period}"
    before_name = f"{pub.previous}"
    body = [
        "<h1>Serious violence: the partnership's measures of success</h1>",
        f"<p>Figures for <strong>{escape(area_name(main_area))}</strong>, "
        f"{escape(now_name)}, compared with the previous {pub.period.days} days "
        f"({escape(before_name)}). Population figures are the mid-year estimates for "
        f"{pub.population_year}.</p>",
        "<p>The figures come from records the partners share through the hub: police recorded "
        "crime, emergency department assault attendances and school exclusions, joined up so "
        "that one person counts once. No one can be identified from this report: any count "
        f"from 1 to {pub.threshold - 1} is withheld and shown as {MARK}, and other figures are "
        "withheld as well where they would let a withheld count be worked out.</p>",
        _headline(pub, main_area),
        "<h2>Charts</h2>",
        _charts(pub, main_area, now_name, before_name),
        "<h2>By area</h2>",
        _areas(pub),
        "<h2>Notes</h2>",
        _notes(pub, info),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>Serious violence: measures of success</title>\n<style>\n"
        "body{font-family:Arial,Helvetica,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem;color:#0b0c0c;line-height:1.45}\n"
        "table{border-collapse:collapse;margin:1rem 0;width:100%}\n"
        "caption{text-align:left;font-weight:bold;padding:.4rem 0}\n"
        "th,td{border-bottom:1px solid #b1b4b6;padding:.35rem .5rem;text-align:left}\n"
        "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
        "figure{margin:1.5rem 0}figcaption{font-weight:bold;margin-bottom:.3rem}\n"
        "</style>\n</head>\n<body>\n<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def _headline(pub: Published, area: str) -> str:
    rows = []
    for indicator in HEADLINE:
        t = pub.trends.get((indicator, area))
        if t is None:
            continue
        rows.append(
            f'<tr><th scope="row">{escape(label(indicator))}</th>'
            f'<td class="n">{fmt(t.current)}</td><td class="n">{fmt(t.previous)}</td>'
            f"<td>{escape(change_text(t))}</td></tr>"
        )
    return (
        "<table><caption>Headline figures, "
        f"{escape(area_name(area))}: this period against the previous one</caption>"
        '<thead><tr><th scope="col">Measure</th><th scope="col">This period</th>'
        '<th scope="col">Previous period</th><th scope="col">Change</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _charts(pub: Published, area: str, now_name: str, before_name: str) -> str:
    def values(names: list[str], period: str) -> list[float | None]:
        out = []
        for n in names:
            t = pub.trends[(n, area)]
            out.append((t.current if period == CURRENT else t.previous).value)
        return out

    shares = ["victims_male_share", "victims_repeat_share", "suspects_linked_share",
              "suspects_in_city_share"]  # fmt: skip
    bands = [f"victims_aged_{b[0]}_share" for b in D.AGE_BANDS]
    charts = [
        ("c1", "Serious violent offences and homicides per 1,000 residents",
         ["sv_offence_rate", "homicide_rate"], lambda v: f"{v:.2f}"),
        ("c2", "Who the victims and suspects are", shares, lambda v: f"{v * 100:.1f}%"),
        ("c3", "Age profile of victims of violence", bands, lambda v: f"{v * 100:.1f}%"),
    ]  # fmt: skip
    out = []
    for chart_id, title, names, formatter in charts:
        svg = grouped_bars(
            chart_id, title, [short(n) for n in names],
            [(f"This period ({now_name})", values(names, CURRENT)),
             (f"Previous ({before_name})", values(names, PREVIOUS))],
            formatter,
        )  # fmt: skip
        out.append(f"<figure><figcaption>{escape(title)}</figcaption>{svg}</figure>")
    return "\n".join(out)


def _areas(pub: Published) -> str:
    columns = ["sv_offences", "sv_offence_rate", "victims", "victims_male_share", "suspects",
               "suspects_in_city_share", "youth_excluded_share"]  # fmt: skip
    head = "".join(f'<th scope="col">{escape(label(c))}</th>' for c in columns)
    rows = []
    for area in pub.areas:
        cells = "".join(f'<td class="n">{fmt(pub.trends[(c, area)].current)}</td>' for c in columns)
        rows.append(f'<tr><th scope="row">{escape(area_name(area))}</th>{cells}</tr>')
    return (
        f"<table><caption>This period by area ({escape(str(pub.period))}); offences, victims "
        "and suspects are placed where the offence happened, exclusions where the child lives"
        f'</caption><thead><tr><th scope="col">Area</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _notes(pub: Published, info: ReportInfo) -> str:
    notes = [
        f"{MARK}: withheld to protect confidentiality (a count from 1 to {pub.threshold - 1}, "
        "or a figure from which such a count could be worked out).",
        "Serious violent offences: homicide, attempted murder, wounding with intent (s18), "
        "wounding (s20), assault with injury, personal robbery, knife-enabled crime and "
        "possession of weapons. Each offence counts once however many people it involved.",
        "Victims: victims of violence against the person recorded by the police, counted once "
        "per offence. Already a victim: a victim of such an offence in the 365 days before.",
        "Suspects: suspects of violence, public order and weapon possession included. Already "
        "linked to violence: a suspect of such an offence in the 365 days before. Living in "
        "the city: the recorded home is in one of the city's areas or postcode districts.",
        "School-age children excluded: children with at least one suspension or permanent "
        "exclusion in the period, out of residents aged 5 to 15 at the mid-year. Where "
        "schools record only a home postcode district, exclusions are counted for the city as "
        "a whole and not by area (shown as -).",
        "Changes: shares in percentage points; counts and rates in per cent.",
        f"Source: {info.source}. Report made {datetime.now(UTC):%d %B %Y, %H:%M} UTC.",
        *info.notes,
    ]
    return "<ol>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ol>"
