"""`hub worker`: run the stream layer (linkage, rules, routing) until SIGINT or SIGTERM."""

from __future__ import annotations

import typer

from hub.cli.context import fail, obj_of
from hub.errors import HubError


def worker(ctx: typer.Context) -> None:
    """Link events across partners, evaluate the rules, route alerts to panels."""
    from faust.worker import Worker

    from hub.streams.worker import build

    obj = obj_of(ctx)
    try:
        app = build(obj.settings)
    except HubError as exc:
        raise fail(obj.console, exc) from exc
    Worker(app, loglevel="INFO", quiet=True).execute_from_commandline()
