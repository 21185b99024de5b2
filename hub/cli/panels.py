"""`hub panels`: the partnership's panel directory."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from hub.cli.context import fail, obj_of
from hub.errors import HubError
from hub.panels.directory import DEFAULT_DIRECTORY, PanelDirectory, load_directory
from hub.routing.config import DEFAULT_ROUTING, Routing, load_routing

app = typer.Typer(help="The panels that receive alerts: members, channels, keys.")


def unlisted_panels(directory: PanelDirectory, routing: Routing) -> list[str]:
    """Routed panel ids with no directory entry: their alerts would reach nobody."""
    routed = {route.panel for route in routing.routes}
    return sorted(p for p in routed if directory.panel(p.replace("{area}", "X1")) is None)


@app.command()
def check(
    ctx: typer.Context,
    directory_file: Path | None = typer.Option(
        None, "--directory", help="Panel directory (default: panels.directory_file setting)."
    ),
) -> None:
    """Validate the directory; prove every panel routing can name has an entry."""
    obj = obj_of(ctx)
    directory_file = directory_file or obj.settings.panels.directory_file or DEFAULT_DIRECTORY
    routing_file = obj.settings.rules.routing_file or DEFAULT_ROUTING
    try:
        directory, routing = load_directory(directory_file), load_routing(routing_file)
    except HubError as exc:
        raise fail(obj.console, exc) from exc
    if missing := unlisted_panels(directory, routing):
        raise fail(
            obj.console,
            f"{directory_file}: routing ({routing_file.name}) sends alerts to "
            f"{', '.join(missing)}, which have no entry: add them to the directory",
        )
    table = Table("panel", "members", "can open identity", "channels", "fields")
    warnings: list[str] = []
    for panel in directory.panels:
        openers = [m.username for m in panel.members if "identity-opener" in m.roles]
        channels = []
        for channel in panel.channels:
            channels.append(channel.kind)
            if channel.kind == "webhook" and not os.environ.get(channel.secret_env):
                warnings.append(f"{panel.id}: webhook secret {channel.secret_env} is not set")
        if not openers:
            warnings.append(f"{panel.id}: nobody may open identities")
        fields = routing.fields.get(panel.family, routing.fields["default"])
        table.add_row(
            panel.id,
            str(len(panel.members)),
            ", ".join(openers) or "-",
            ", ".join(channels),
            ", ".join(fields),
        )
    obj.console.print(table)
    for warning in warnings:
        obj.console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    obj.console.print(f"{len(directory.panels)} panels, every routed panel listed: valid.")
