"""What every command gets from the entry point: the settings, built once, and a console."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from hub.config import HubSettings, load_settings
from hub.errors import HubError


@dataclass
class CliContext:
    settings: HubSettings
    console: Console


def settings_of(ctx: typer.Context) -> HubSettings:
    return obj_of(ctx).settings


def obj_of(ctx: typer.Context) -> CliContext:
    root = ctx.find_root()
    if not isinstance(root.obj, CliContext):  # a subcommand app run on its own (tests)
        root.obj = build_context(None, verbose=False)
    return root.obj


def build_context(config_file: Path | None, *, verbose: bool) -> CliContext:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # Client libraries are chatty at INFO; operators want the hub's own story.
    for noisy in ("kafka", "aiokafka", "faust", "mode"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
    return CliContext(load_settings(config_file), Console())


def fail(console: Console, error: HubError | str, code: int = 1) -> typer.Exit:
    """Print an operator-readable error and return the exit to raise."""
    console.print(f"[bold red]error:[/] {error}", highlight=False)
    return typer.Exit(code)
