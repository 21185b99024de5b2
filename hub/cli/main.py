"""Entry point of the `hub` command."""

from __future__ import annotations

from pathlib import Path

import typer

from hub import __version__
from hub.cli import (
    audit,
    configcmd,
    connector,
    deliver,
    demo,
    evaluate,
    inbox,
    indicators,
    kafka,
    keys,
    link,
    panels,
    policy,
    schemas,
    status,
    synth,
    topics,
    worker,
)
from hub.cli.context import build_context, fail
from hub.errors import ConfigurationError

app = typer.Typer(
    name="hub",
    help="Community Safety Partnership data-sharing hub: pseudonymised events, linked in "
    "real time, alerts to the panels that act on them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(kafka.app, name="kafka")
app.add_typer(topics.app, name="topics")
app.add_typer(configcmd.app, name="config")
app.add_typer(keys.app, name="keys")
app.add_typer(schemas.app, name="schemas")
app.add_typer(connector.app, name="connector")
app.add_typer(demo.app, name="demo")
app.command("synth")(synth.synth)
app.command("worker")(worker.worker)
app.command("evaluate")(evaluate.evaluate)
app.command("status")(status.status)
app.command("indicators")(indicators.indicators)
app.add_typer(policy.app, name="policy")
app.add_typer(panels.app, name="panels")
app.add_typer(inbox.app, name="inbox")
app.add_typer(audit.app, name="audit")
app.add_typer(deliver.app, name="deliver")
app.add_typer(link.app, name="link")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hub {__version__}")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        envvar="HUB_CONFIG_FILE",
        help="TOML config file; HUB_* environment variables override it.",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Settings are read once here and passed to every command."""
    try:
        ctx.obj = build_context(config, verbose=verbose)
    except ConfigurationError as exc:
        from rich.console import Console

        raise fail(Console(stderr=True), exc) from exc


def main() -> None:
    app()


if __name__ == "__main__":
    main()
