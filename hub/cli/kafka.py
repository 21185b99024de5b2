"""`hub kafka`: the project's own single-node Apache Kafka broker."""

from __future__ import annotations

import time

import typer

from hub.cli.context import fail, obj_of
from hub.errors import HubError
from hub.kafka.admin import list_topics
from hub.kafka.local import LocalBroker

app = typer.Typer(help="Run the project's own single-node Apache Kafka (KRaft) broker.")


@app.command()
def up(ctx: typer.Context) -> None:
    """Start the broker (resolving its jars with Maven on first use); no-op if it runs."""
    obj = obj_of(ctx)
    broker = LocalBroker(obj.settings.broker)
    already = broker.state().running
    started = time.monotonic()
    try:
        state = broker.up()
    except HubError as exc:
        raise fail(obj.console, exc) from exc
    if already:
        obj.console.print(f"Kafka is already up on {state.bootstrap} (pid {state.pid}).")
    else:
        obj.console.print(
            f"Kafka {state.kafka_version} is up on [bold]{state.bootstrap}[/] "
            f"in {time.monotonic() - started:.1f}s (pid {state.pid})."
        )
    obj.console.print(f"Broker log: {state.log_file}")


@app.command()
def down(ctx: typer.Context) -> None:
    """Stop the broker cleanly (its data stays for the next `up`)."""
    obj = obj_of(ctx)
    stopped = LocalBroker(obj.settings.broker).down()
    obj.console.print("Kafka stopped." if stopped else "Kafka was not running.")


@app.command()
def status(ctx: typer.Context) -> None:
    """Say whether the broker is up, its version, address and topics."""
    obj = obj_of(ctx)
    state = LocalBroker(obj.settings.broker).state()
    if not state.running:
        obj.console.print(f"Kafka is [bold]down[/] (would listen on {state.bootstrap}).")
        raise typer.Exit(3)
    obj.console.print(
        f"Kafka {state.kafka_version} is [bold green]up[/] on {state.bootstrap} (pid {state.pid})"
    )
    try:
        topics = list_topics(obj.settings)
    except HubError as exc:
        raise fail(obj.console, exc) from exc
    obj.console.print(f"{len(topics)} topics: " + (", ".join(topics) or "none yet"))
    obj.console.print(f"Broker log: {state.log_file}")


@app.command()
def logs(
    ctx: typer.Context,
    lines: int = typer.Option(40, "--lines", "-n", min=1, help="How many lines to show."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines."),
) -> None:
    """Print the end of the broker's log."""
    obj = obj_of(ctx)
    broker = LocalBroker(obj.settings.broker)
    if not broker.log_file.exists():
        raise fail(obj.console, f"no broker log yet at {broker.log_file}")
    typer.echo(broker.tail_log(lines))
    if follow:
        with broker.log_file.open(errors="replace") as handle:
            handle.seek(0, 2)
            while True:
                line = handle.readline()
                if line:
                    typer.echo(line, nl=False)
                else:
                    time.sleep(0.5)
