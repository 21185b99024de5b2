"""`hub deliver`: deliver panel alerts to webhooks, email and the inbox until stopped."""

from __future__ import annotations

import logging
import signal
from pathlib import Path
from types import FrameType

import typer
from rich.table import Table

from hub.cli.context import fail, obj_of
from hub.errors import HubError

log = logging.getLogger(__name__)

app = typer.Typer(
    help="Deliver panel alerts (webhook, email, inbox); `hub deliver receipts` lists outcomes.",
    invoke_without_command=True,
)


@app.callback()
def deliver(
    ctx: typer.Context,
    directory_file: Path | None = typer.Option(
        None, "--directory", help="Panel directory (default: panels.directory_file setting)."
    ),
    until_caught_up: bool = typer.Option(
        False, "--until-caught-up", help="Stop once every alert read so far has an outcome."
    ),
) -> None:
    """Consume every alerts topic and deliver each alert through its panel's channels."""
    if ctx.invoked_subcommand is not None:
        return
    from hub.delivery.inbox import AlertSink, open_inbox_store
    from hub.delivery.service import DeliveryService, directory_of
    from hub.metrics_http import serve

    obj = obj_of(ctx)
    settings = obj.settings
    if directory_file is not None:
        settings = settings.model_copy(
            update={"panels": settings.panels.model_copy(update={"directory_file": directory_file})}
        )
    try:
        directory = directory_of(settings)
        needs_inbox = "inbox" not in settings.delivery.disabled_channels and any(
            c.kind == "inbox" for p in directory.panels for c in p.channels
        )
        sink: AlertSink | None = open_inbox_store(settings) if needs_inbox else None
        service = DeliveryService(settings, directory=directory, sink=sink)
    except HubError as exc:
        raise fail(obj.console, exc) from exc

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: finishing in-flight deliveries, then stopping", signum)
        service.stop.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server = None
    port = settings.delivery.metrics_port
    if port:
        try:
            server = serve(service.registry, port, service.health, settings.delivery.metrics_host)
        except OSError as exc:
            service.ledger.close()
            raise fail(
                obj.console,
                f"cannot serve metrics on {settings.delivery.metrics_host}:{port}: {exc} "
                "(set HUB_DELIVERY__METRICS_PORT)",
            ) from exc
        log.info("delivery metrics on http://%s:%d/metrics", settings.delivery.metrics_host, port)
    log.info(
        "delivering alerts for %d panel entries from %s (ledger %s)",
        len(directory.panels),
        settings.bootstrap_servers,
        settings.ledger_file,
    )
    try:
        service.run(until_caught_up=until_caught_up)
    except HubError as exc:
        raise fail(obj.console, exc) from exc
    finally:
        if server is not None:
            server.shutdown()
        close = getattr(sink, "close", None)
        if callable(close):
            close()


@app.command()
def receipts(
    ctx: typer.Context,
    limit: int = typer.Option(50, "--limit", "-n", min=1, help="How many, newest first."),
) -> None:
    """List delivery receipts from the ledger: alert, panel, channel, outcome, attempts."""
    from hub.delivery.ledger import Ledger

    obj = obj_of(ctx)
    path = obj.settings.ledger_file
    if not path.is_file():
        raise fail(obj.console, f"no delivery ledger at {path}: has `hub deliver` run here?")
    ledger = Ledger(path)
    try:
        rows = ledger.receipts(limit)
        counts = ledger.counts()
    finally:
        ledger.close()
    table = Table("alert", "panel", "channel", "status", "attempts", "code", "last error")
    for r in rows:
        table.add_row(
            r.alert_id[:16],
            r.panel,
            r.channel,
            r.status,
            str(r.attempts),
            str(r.http_status or "-"),
            (r.last_error or "")[:60],
        )
    obj.console.print(table)
    obj.console.print(", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
