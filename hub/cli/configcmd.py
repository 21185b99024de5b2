"""`hub config`: what the hub will actually use, secrets masked."""

from __future__ import annotations

import json

import typer

from hub.cli.context import obj_of
from hub.config import masked_dump

app = typer.Typer(help="Inspect the effective configuration.")


@app.command()
def show(ctx: typer.Context) -> None:
    """Print the effective configuration (defaults, config file, HUB_* variables)."""
    obj = obj_of(ctx)
    typer.echo(json.dumps(masked_dump(obj.settings), indent=2))
