"""`hub schemas`: list the event contracts and check their evolution."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.context import obj_of
from hub.contracts.compat import check_all
from hub.contracts.registry import load_registry, released

app = typer.Typer(help="Avro event contracts in schemas/avro/.")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """Each schema with its version and CRC-64-AVRO fingerprint."""
    registry = load_registry()
    table = Table("schema", "version", "fingerprint (single-object bytes)", "released versions")
    versions: dict[str, list[int]] = {}
    for old in released():
        versions.setdefault(old.name, []).append(old.version)
    for name, schema in sorted(registry.current.items()):
        table.add_row(
            name,
            str(schema.version),
            schema.fingerprint.hex(),
            ", ".join(f"v{v}" for v in sorted(versions.get(name, []))) or "-",
        )
    obj_of(ctx).console.print(table)


@app.command()
def check(ctx: typer.Context) -> None:
    """Fail (exit 1) if any schema breaks full compatibility with a released version."""
    console = obj_of(ctx).console
    problems = check_all(load_registry())
    if problems:
        for problem in problems:
            console.print(f"[red]incompatible[/] {problem}")
        raise typer.Exit(1)
    console.print(f"{len(released())} released versions checked: all compatible both ways.")
