"""`hub synth`: generate a synthetic partnership (exports and ground truth) on disk."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.errors import HubError
from hub.synth.generator import generate
from hub.synth.params import SynthParams

app = typer.Typer(help="Synthetic partnership data with known truth.", no_args_is_help=True)


def _parse_date(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise typer.BadParameter("use YYYY-MM-DD") from exc


@app.command("synth")
def synth(
    people: int = typer.Option(2_000, "--people", "-n", min=1, help="Residents of the city."),
    years: int = typer.Option(3, "--years", min=1, max=10, help="Length of the period."),
    end_date: str = typer.Option("2026-09-30", "--end-date", help="Last day (YYYY-MM-DD)."),
    seed: int = typer.Option(1, "--seed", help="Same seed, same bytes."),
    out: Path = typer.Option(Path(".hub/synth"), "--out", "-o", help="Output folder."),
    bad_rows: int = typer.Option(
        0, "--bad-rows", min=0, help="Deliberately bad rows per partner (labelled in truth/)."
    ),
    force: bool = typer.Option(False, "--force", help="Replace an earlier run in --out."),
) -> None:
    """Generate each partner's exports and the ground truth, streamed to disk."""
    console = Console()
    try:
        params = SynthParams(
            people=people, years=years, end_date=_parse_date(end_date), seed=seed,
            bad_rows=bad_rows,
        )  # fmt: skip
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    started = time.perf_counter()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=False) as bar:
        tasks = {
            "people": bar.add_task("people", total=people),
            "merge": bar.add_task("rows sorted into month files", total=None),
        }

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(tasks[stage], completed=done, total=total)

        try:
            manifest = generate(params, out, force=force, progress=progress)
        except HubError as exc:
            console.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(1) from exc
    seconds = time.perf_counter() - started
    table = Table("partner", "records", "bad rows", "files", title=f"Synthetic partnership: {out}")
    for partner, count in manifest["records"].items():
        table.add_row(partner, f"{count:,}", str(manifest["bad_rows"][partner]),
                      str(len(manifest["files"][partner])))  # fmt: skip
    table.add_row("[bold]total", f"{sum(manifest['records'].values()):,}",
                  str(sum(manifest["bad_rows"].values())), "", end_section=True)  # fmt: skip
    pop = manifest["people"]
    table.add_row("people", f"{pop['residents']:,} residents",
                  f"{pop['non_residents']:,} visitors", "")  # fmt: skip
    table.add_row("time", f"{seconds:.1f} s", f"{people / seconds:,.0f} people/s", "")
    console.print(table)
    cal = Table("figure", "measured", "target", title="Calibration (ground truth)")
    for name, figure in manifest["calibration"].items():
        target = figure["target"]
        cal.add_row(name, f"{figure['measured']}", "" if target is None else f"{target}")
    console.print(cal)
    if pop.get("nhs_outside_test_range"):
        console.print(
            f"[yellow]note:[/] {pop['nhs_outside_test_range']:,} people have NHS "
            "numbers outside the 999 test range (population above its capacity)."
        )
