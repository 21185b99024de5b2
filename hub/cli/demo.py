"""`hub demo`: the whole flow on one machine, on the project's own broker."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.context import fail, obj_of
from hub.errors import HubError
from hub.kafka.admin import apply_catalogue
from hub.kafka.canary import round_trip
from hub.kafka.local import LocalBroker


def demo(
    ctx: typer.Context,
    keep_running: bool = typer.Option(
        True, "--keep-running/--stop", help="Leave the broker up afterwards (`hub kafka down`)."
    ),
) -> None:
    """Start Kafka, create the topics, and push events through it with a summary."""
    obj = obj_of(ctx)
    console = obj.console
    broker = LocalBroker(obj.settings.broker)
    try:
        with console.status("Starting the project's Kafka broker..."):
            state = broker.up()
        console.print(f"[green]1.[/] Kafka {state.kafka_version} up on {state.bootstrap}")
        reports = apply_catalogue(obj.settings)
        created = sum(r.status == "created" for r in reports)
        console.print(f"[green]2.[/] {len(reports)} catalogue topics ready ({created} created)")
        with console.status("Round trip through the broker..."):
            result = round_trip(obj.settings)
    except HubError as exc:
        raise fail(console, exc) from exc
    table = Table("check", "result", title="Kafka round trip (acks=all, idempotent, group)")
    table.add_row("topic", result.topic)
    table.add_row("produced / consumed", f"{result.produced} / {result.consumed}")
    table.add_row("offsets committed", "yes" if result.committed else "no")
    table.add_row("latency p50 / p99", f"{result.p50_ms:.1f} ms / {result.p99_ms:.1f} ms")
    table.add_row("wall time", f"{result.seconds:.2f} s")
    console.print(table)
    if keep_running:
        console.print(f"Kafka stays up on {state.bootstrap}; stop it with `hub kafka down`.")
    else:
        broker.down()
        console.print("Kafka stopped.")
