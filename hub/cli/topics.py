"""`hub topics`: create the catalogue's topics and show where the cluster differs."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.context import fail, obj_of
from hub.errors import HubError
from hub.kafka.admin import apply_catalogue, list_topics
from hub.kafka.topics import catalogue

app = typer.Typer(help="Topics as code: the catalogue in hub/kafka/topics.py.")

_STYLE = {"created": "green", "ok": "dim", "drift": "bold yellow"}


@app.command()
def apply(ctx: typer.Context) -> None:
    """Create missing topics; report drift without changing or deleting anything."""
    obj = obj_of(ctx)
    try:
        reports = apply_catalogue(obj.settings)
    except HubError as exc:
        raise fail(obj.console, exc) from exc
    table = Table("topic", "status", "details", title="Topic catalogue applied")
    for r in reports:
        table.add_row(r.name, f"[{_STYLE[r.status]}]{r.status}[/]", "; ".join(r.details))
    obj.console.print(table)
    created = sum(r.status == "created" for r in reports)
    drifted = sum(r.status == "drift" for r in reports)
    obj.console.print(
        f"{created} created, {len(reports) - created - drifted} unchanged, {drifted} with drift"
    )
    if drifted:
        raise typer.Exit(2)


@app.command("list")
def list_(
    ctx: typer.Context,
    catalogue_only: bool = typer.Option(
        False, "--catalogue", help="Show the catalogue without asking the cluster."
    ),
) -> None:
    """List the catalogue's topics and whether each exists on the cluster."""
    obj = obj_of(ctx)
    existing: set[str] | None = None
    if not catalogue_only:
        try:
            existing = set(list_topics(obj.settings))
        except HubError as exc:
            raise fail(obj.console, exc) from exc
    table = Table("topic", "partitions", "retention", "compacted", "exists", "purpose")
    for spec in catalogue(obj.settings.topic_prefix):
        retention = f"{spec.retention_days}d" if spec.retention_days else "forever"
        exists = "-" if existing is None else ("yes" if spec.name in existing else "[red]no[/]")
        table.add_row(
            spec.name,
            str(spec.partitions),
            retention,
            "yes" if spec.compacted else "",
            exists,
            spec.purpose,
        )
    obj.console.print(table)
    if existing is not None:
        extra = sorted(existing - {s.name for s in catalogue(obj.settings.topic_prefix)})
        if extra:
            obj.console.print("Not in the catalogue: " + ", ".join(extra))
