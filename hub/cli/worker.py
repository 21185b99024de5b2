"""`hub worker`: run the stream layer (linkage, rules, routing) until SIGINT or SIGTERM."""

from __future__ import annotations

import logging

import typer

from hub.cli.context import fail, obj_of
from hub.errors import HubError

#: /healthz while Faust reads the tables back from their changelogs: the stages wait.
RECOVERING = "recovering tables from their changelogs"


def worker(ctx: typer.Context) -> None:
    """Link events across partners, evaluate the rules, route alerts to panels."""
    from faust.worker import Worker
    from prometheus_client import CollectorRegistry

    from hub.metrics_http import Health, serve
    from hub.streams.collector import Collector
    from hub.streams.worker import build

    obj = obj_of(ctx)
    registry = CollectorRegistry()
    health = Health()
    collector = Collector()
    try:
        app = build(obj.settings, registry, health, collector=collector)
    except HubError as exc:
        raise fail(obj.console, exc) from exc
    server = None
    port = obj.settings.worker.metrics_port
    if port is not None:
        try:
            server = serve(
                registry,
                port,
                lambda: RECOVERING if app.in_recovery else health.reason,
                obj.settings.worker.metrics_host,
            )
        except OSError as exc:  # metrics are for operators: the stream must run without them
            logging.getLogger("hub.worker").error(
                "cannot serve /metrics on port %s: %s; running without", port, exc
            )
    try:
        Worker(app, loglevel="INFO", quiet=True).execute_from_commandline()
    finally:
        health.set("stopping")
        collector.restore()
        if server is not None:
            server.shutdown()
