"""`hub indicators`: the partnership's measures of success, as a report and as gauges."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import typer
from prometheus_client import CollectorRegistry
from rich.markup import escape
from rich.table import Table

from hub.cli.context import fail, obj_of
from hub.errors import ConfigurationError, HubError
from hub.indicators.compute import last_months, month_end
from hub.indicators.definitions import LOOKBACK_DAYS
from hub.indicators.events import IndicatorEvent
from hub.indicators.figures import publish
from hub.indicators.metrics import IndicatorMetrics
from hub.indicators.population import load_population
from hub.indicators.report import ReportInfo, area_name, change_text, fmt, label, write_report
from hub.indicators.tables import TOTAL
from hub.metrics_http import serve


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise typer.BadParameter("use YYYY-MM-DD") from exc


def indicators(
    ctx: typer.Context,
    synth: Path | None = typer.Option(
        None, help="Link this `hub synth` folder offline instead of reading linked.events."
    ),
    population: Path | None = typer.Option(
        None, help="Population file (year,area,age,population); default <synth>/public/."
    ),
    end: str | None = typer.Option(None, help="Last day of the period (default: latest event)."),
    months: int = typer.Option(12, min=1, max=120, help="Length of the period in months."),
    area: list[str] = typer.Option([], "--area", help="Only these areas (default: all)."),
    threshold: int = typer.Option(5, min=2, help="Counts below this are withheld."),
    out: Path = typer.Option(Path(".hub/indicators"), "--out", "-o", help="Report folder."),
    truth: bool = typer.Option(False, help="With --synth: print the ground truth beside."),
    serve_metrics: int | None = typer.Option(
        None,
        "--serve-metrics",
        help="Then serve these gauges (computed once) on this port until Ctrl-C.",
    ),
    timeout: float = typer.Option(120.0, help="Seconds allowed to read the topics."),
) -> None:
    """Indicators for a period and the one before it, with disclosure control: HTML and CSV."""
    obj = obj_of(ctx)
    console, settings = obj.console, obj.settings
    notes: list[str] = []
    try:
        events: list[IndicatorEvent]
        if synth is not None:
            from hub.indicators.offline import linked_events

            refused: Counter[str] = Counter()
            with console.status("Encoding and linking every record..."):
                events = linked_events(synth, settings.connector, refused)
            source = f"synthetic partnership {synth}, linked offline by the hub's linker"
            if refused:
                notes.append(f"{sum(refused.values())} export rows failed validation and were "
                             "left out, as the connectors quarantine them.")  # fmt: skip
        else:
            from hub.indicators.kafka_source import read_linked

            with console.status("Reading linked.events..."):
                snapshot = read_linked(settings, timeout)
            events = snapshot.events
            source = f"linked.events on Kafka ({snapshot.read:,} records)"
            if snapshot.undecodable:
                notes.append(f"{len(snapshot.undecodable)} records could not be read and were "
                             "left out (see the log).")  # fmt: skip
        if not events:
            raise ConfigurationError("no linked events to count")
        pop_file = population or (synth or Path(".hub/synth")) / "public" / "population.csv"
        pop = load_population(pop_file)
        last = _day(end) or month_end(max(e.occurred_on for e in events))
        period = last_months(last, months)
        pub = publish(events, pop, period, threshold=threshold, areas=area or None)
        first = min(e.occurred_on for e in events)
        short = [name for name, p in (("this", pub.period), ("the previous", pub.previous))
                 if (p.start - first).days < LOOKBACK_DAYS]  # fmt: skip
        if short:
            notes.append(f"The data start on {first:%d %B %Y}: for {' and '.join(short)} "
                         "period, figures about the 12 months before an offence rest on less "
                         "than a full year of history and are likely to be too low.")  # fmt: skip
        paths = write_report(pub, out, ReportInfo(source, notes))
    except HubError as exc:
        raise fail(console, exc) from exc
    shown = TOTAL if TOTAL in pub.areas else pub.areas[0]
    true = {}
    if truth and synth is not None:
        from hub.indicators.truth import true_figures

        true = true_figures(synth, pop, period)
    columns = ["measure", "this period", "previous", "change"] + (["truth"] if true else [])
    table = Table(*columns, title=f"{area_name(shown)}, {period}")
    for (indicator, a), t in pub.trends.items():
        if a != shown:
            continue
        row = [label(indicator), fmt(t.current), fmt(t.previous), change_text(t)]
        row = [escape(cell) for cell in row]
        if true:
            value = true.get(indicator)
            row.append("" if value is None else _true(t.current.kind, value))
        table.add_row(*row)
    console.print(table)
    for kind, path in paths.items():
        console.print(f"{kind}: {path}")
    if serve_metrics is not None:
        registry = CollectorRegistry()
        exported = IndicatorMetrics(registry).update(pub)
        server = serve(registry, serve_metrics, lambda: None)
        url = f"http://127.0.0.1:{serve_metrics}/metrics"
        console.print(f"{exported} gauges on {url}; Ctrl-C stops")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            server.shutdown()


def _true(kind: str, value: float) -> str:
    if kind == "share":
        return f"{value * 100:.1f}%"
    return f"{value:.2f}" if kind == "rate" else f"{value:,.0f}"
