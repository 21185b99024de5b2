"""`hub connector`: run a partner's connector inside the partner's network."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.cli.context import fail, obj_of
from hub.connectors.pipeline import RunSummary
from hub.connectors.runner import MAPPINGS, ConnectorRun
from hub.errors import HubError

app = typer.Typer(help="Partner connectors: validate, pseudonymise, seal and publish exports.")


@app.command()
def run(
    ctx: typer.Context,
    partner: str = typer.Argument(..., help=f"One of: {', '.join(MAPPINGS)}."),
    inputs: list[Path] = typer.Option(
        ..., "--input", "-i", help="A file, a drop folder (files in name order), or - for stdin."
    ),
    watch: bool = typer.Option(False, help="Keep taking new files from the drop folder."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Validate and count; publish nothing."),
    drain_timeout: float = typer.Option(
        60.0, help="Seconds to keep retrying Kafka at the end before leaving events in the outbox."
    ),
) -> None:
    """Publish a partner's export; every row ends published, quarantined or a duplicate."""
    obj = obj_of(ctx)
    console = obj.console
    try:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} rows"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(f"{partner} connector", total=None)
            connector = ConnectorRun(
                obj.settings,
                partner,
                dry_run=dry_run,
                progress=lambda _row: bar.update(task, completed=connector.summary.read),
            )
            try:
                wanted = obj.settings.connector
                if wanted.metrics_port:
                    connector.serve_metrics(wanted.metrics_port, wanted.metrics_host)
                connector.recover()
                if watch:
                    if len(inputs) != 1 or not inputs[0].is_dir():
                        raise fail(console, "--watch needs exactly one drop folder as --input")
                    connector.watch(inputs[0])
                else:
                    connector.run_paths(inputs)
                connector.drain(drain_timeout)
            finally:
                connector.close()
    except HubError as exc:
        raise fail(console, exc) from exc
    print_summary(
        console,
        partner,
        connector.summary,
        dry_run,
        connector.quarantine.counts,
        str(connector.quarantine.path),
    )
    if connector.summary.held_in_outbox or connector.summary.files_refused:
        raise typer.Exit(2)


def print_summary(
    console: object,
    partner: str,
    summary: RunSummary,
    dry_run: bool,
    quarantined: dict[str, int],
    quarantine_path: str,
) -> None:
    table = Table("measure", "value", title=f"{partner} connector{' (dry run)' if dry_run else ''}")
    table.add_row("rows read", f"{summary.read:,}")
    table.add_row("published" if not dry_run else "would publish", f"{summary.published:,}")
    table.add_row(
        "quarantined",
        f"{summary.quarantined:,}"
        + (
            f" ({', '.join(f'{k} {v}' for k, v in sorted(quarantined.items()))})"
            if quarantined
            else ""
        ),
    )
    table.add_row("duplicates skipped", f"{summary.duplicates:,}")
    table.add_row(
        "files (done / skipped / refused)",
        f"{summary.files} / {summary.files_skipped} / {len(summary.files_refused)}",
    )
    table.add_row("held in outbox (Kafka unreachable)", f"{summary.held_in_outbox:,}")
    table.add_row("time", f"{summary.seconds:.2f} s")
    table.add_row("rate", f"{summary.rate:,.0f} rows/s")
    console.print(table)  # type: ignore[attr-defined]
    if summary.quarantined:
        console.print(f"Quarantined rows (file, row, field, reason): {quarantine_path}")  # type: ignore[attr-defined]
    for refused in summary.files_refused:
        console.print(f"[red]refused[/] {refused}")  # type: ignore[attr-defined]
