"""`hub demo`: the whole flow on one machine, on the project's own broker."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from hub.cli.context import fail, obj_of
from hub.delivery.demo import run_demo_delivery
from hub.demo import ensure_keys, publish_all, start_worker, synthesise, wait_for_rules
from hub.demo_stack import start_lasting_services, write_indicators
from hub.errors import HubError
from hub.kafka.admin import apply_catalogue
from hub.kafka.canary import round_trip
from hub.kafka.local import LocalBroker
from hub.services import Services

app = typer.Typer(
    help="The local demo of the whole flow on the project's own Kafka (`hub demo`), and "
    "`hub demo stop` to end what it left running.",
    invoke_without_command=True,
)


@app.callback()
def demo(
    ctx: typer.Context,
    people: int = typer.Option(2000, min=50, help="Residents of the synthetic city."),
    bad_rows: int = typer.Option(3, min=0, help="Deliberately bad rows per partner."),
    out: Path = typer.Option(Path(".hub/synth"), help="Where the synthetic partnership goes."),
    keep_running: bool = typer.Option(
        True,
        "--keep-running/--no-keep-running",
        help="Leave Kafka and the hub's services up afterwards (`hub demo stop`).",
    ),
) -> None:
    """Start Kafka, make a synthetic partnership, publish it through all five connectors,
    link and flag it, and deliver the alerts to the panels."""
    if ctx.invoked_subcommand is not None:
        return
    obj = obj_of(ctx)
    console, settings = obj.console, obj.settings
    broker = LocalBroker(settings.broker)
    try:
        with console.status("Starting the project's Kafka broker..."):
            state = broker.up()
        console.print(f"[green]1.[/] Kafka {state.kafka_version} up on {state.bootstrap}")
        reports = apply_catalogue(settings)
        created = sum(r.status == "created" for r in reports)
        console.print(f"[green]2.[/] {len(reports)} catalogue topics ready ({created} created)")
        canary = round_trip(settings)
        console.print(
            f"[green]3.[/] Kafka round trip: {canary.consumed}/{canary.produced} "
            f"events back, p50 {canary.p50_ms:.0f} ms"
        )
        if ensure_keys(settings):
            console.print(f"[green]4.[/] new demo key set in {settings.connector.keys_dir}")
        else:
            console.print(f"[green]4.[/] using the key set in {settings.connector.keys_dir}")
        with console.status(f"Synthesising a partnership of {people:,} people..."):
            manifest = synthesise(out, people, bad_rows)
        console.print(
            f"[green]5.[/] synthetic partnership in {out} (seed {manifest['seed']}); "
            f"ground truth in {out / 'truth'}"
        )
        with console.status("Publishing through the five connectors..."):
            results = publish_all(settings, out / "exports")
    except HubError as exc:
        if not keep_running:
            broker.down()
        raise fail(console, exc) from exc
    except BaseException:
        if not keep_running:
            broker.down()
        raise
    table = Table(
        "partner",
        "rows read",
        "published",
        "quarantined",
        "duplicates",
        "decodable events on Kafka",
        title="6. Connectors: pseudonymised at source",
    )
    for r in results:
        s = r.summary
        table.add_row(
            r.partner,
            f"{s.read:,}",
            f"{s.published:,}",
            f"{s.quarantined:,}",
            f"{s.duplicates:,}",
            f"{r.on_kafka:,}",
        )
    console.print(table)
    console.print(
        "Quarantined rows (file, row, field, reason): "
        f"{Path(settings.state_dir) / 'connectors' / '<partner>' / 'quarantine.jsonl'}"
    )
    published = sum(r.summary.published for r in results)
    services = Services(settings.state_dir)
    try:
        worker = start_worker(settings)
        with console.status("Linking people, evaluating the rules, routing alerts (hub worker)..."):
            panels = wait_for_rules(settings, worker, published)
    except HubError as exc:
        if not keep_running:
            services.stop_all()
            broker.down()
        raise fail(console, exc) from exc
    alerts = Table("panel", "alerts", "rules", title="7. Alerts on the panels' topics")
    for panel, (count, rules) in sorted(panels.items()):
        alerts.add_row(panel, f"{count:,}", ", ".join(f"{r} {n}" for r, n in rules.most_common()))
    console.print(alerts)
    console.print(f"Worker log: {worker.log_file}.")
    try:
        run_demo_delivery(settings, console=console)
        report = write_indicators(settings, console)
        if keep_running:
            where = start_lasting_services(settings, out / "exports", console)
    except HubError as exc:
        if not keep_running:
            services.stop_all()
            broker.down()
        raise fail(console, exc) from exc
    console.print(f"[green]9.[/] Indicators report for the board: {report / 'index.html'}")
    if keep_running:
        console.print(where)
        console.print(
            f"Kafka stays up on {state.bootstrap} (log {state.log_file}) and so do the hub's "
            "services; stop everything with `hub demo stop`."
        )
    else:
        services.stop_all()
        broker.down()
        console.print("Services and Kafka stopped.")


@app.command()
def stop(ctx: typer.Context) -> None:
    """Stop the services the demo left running, then its Kafka broker."""
    obj = obj_of(ctx)
    stopped = Services(obj.settings.state_dir).stop_all()
    obj.console.print(f"stopped: {', '.join(stopped) or 'no demo services were running'}")
    if LocalBroker(obj.settings.broker).down():
        obj.console.print("Kafka stopped.")
