"""`hub inbox`: enrol panel members, serve the web inbox."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

from hub.cli.context import fail, obj_of
from hub.config import InboxSettings
from hub.errors import HubError
from hub.inbox.accounts import Accounts
from hub.inbox.store import InboxStore, open_existing
from hub.panels.directory import DEFAULT_DIRECTORY, load_directory
from hub.rules.policy import DEFAULT_POLICY, load_policy

app = typer.Typer(help="The panels' web inbox.", no_args_is_help=True)
user_app = typer.Typer(help="Panel members' accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")

_DB = typer.Option(None, "--db", help="Inbox store URL (default: <state_dir>/inbox.db).")
_DIRECTORY = typer.Option(
    None, "--directory", help="Panel directory YAML (default: the panels.directory_file setting)."
)


def inbox_settings(ctx: typer.Context, db: str | None) -> InboxSettings:
    """The inbox section of the hub's settings, its store resolved; ``--db`` overrides it."""
    settings = obj_of(ctx).settings.inbox_settings()
    return settings.model_copy(update={"database_url": db}) if db else settings


def directory_file(ctx: typer.Context, directory: Path | None) -> Path:
    return directory or obj_of(ctx).settings.panels.directory_file or DEFAULT_DIRECTORY


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="A member's username in the panel directory."),
    password_file: Path | None = typer.Option(
        None, "--password-file", help="Read the password from this file (else prompt)."
    ),
    replace: bool = typer.Option(False, "--replace", help="Reset an existing account."),
    db: str | None = _DB,
    directory: Path | None = _DIRECTORY,
) -> None:
    """Enrol a panel member: set the password, print the TOTP secret once."""
    console = obj_of(ctx).console
    settings = inbox_settings(ctx, db)
    try:
        panels = load_directory(directory_file(ctx, directory))
        if not panels.panels_of(username):
            raise fail(console, f"{username} is not a member of any panel in the directory")
        if password_file is not None:
            password = password_file.read_text().rstrip("\n")
        else:
            password = getpass.getpass(f"Password for {username}: ")
            if getpass.getpass("Again: ") != password:
                raise fail(console, "the passwords differ")
        store = InboxStore.open(settings.database_url)
        try:
            enrolled = Accounts(store, settings).add(
                username, password, replace=replace, actor=f"cli:{getpass.getuser()}"
            )
        finally:
            store.close()
    except (HubError, ValueError, OSError) as exc:
        raise fail(console, str(exc)) from exc
    console.print(f"enrolled {username}; add this to their authenticator app (shown once):")
    console.print(f"  secret: {enrolled.totp_secret}", highlight=False)
    console.print(f"  URI:    {enrolled.provisioning_uri}", highlight=False, soft_wrap=True)


@user_app.command("code")
def user_code(
    ctx: typer.Context,
    username: str = typer.Argument(...),
    db: str | None = _DB,
) -> None:
    """Print the member's current TOTP code (demo and first-sign-in checks only).

    It reads the secret from the store, so it gives nothing to someone who could not already
    read the store; in production, members use their authenticator app.
    """
    import time

    from hub.inbox import totp

    console = obj_of(ctx).console
    try:
        settings = inbox_settings(ctx, db)
        store = open_existing(settings.database_url)
    except HubError as exc:
        raise fail(console, exc) from exc
    try:
        secret = Accounts(store, settings).totp_secret(username)
    finally:
        store.close()
    if secret is None:
        raise fail(console, f"no account {username}")
    console.print(totp.totp(secret, time.time()), highlight=False)


@app.command("import")
def import_alerts(
    ctx: typer.Context,
    source: Path = typer.Argument(..., help="Alert documents, one JSON object per line."),
    db: str | None = _DB,
) -> None:
    """Store alert documents (JSON lines) as the delivery service's inbox channel would."""
    import json

    from hub.inbox.errors import InvalidAlertDocument

    console = obj_of(ctx).console
    store = InboxStore.open(inbox_settings(ctx, db).database_url)
    added = seen = refused = 0
    try:
        for number, line in enumerate(source.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                new = store.add_alert(json.loads(line))
            except (json.JSONDecodeError, InvalidAlertDocument) as exc:
                refused += 1
                console.print(f"{source}:{number}: refused: {exc}", highlight=False, soft_wrap=True)
                continue
            added, seen = added + new, seen + (not new)
    except OSError as exc:
        raise fail(console, str(exc)) from exc
    finally:
        store.close()
    console.print(f"{added} alerts added, {seen} already stored, {refused} refused")
    if refused:
        raise typer.Exit(1)


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", help="Port (pages, API, /metrics, /healthz)."),
    db: str | None = _DB,
    directory: Path | None = _DIRECTORY,
    keys_dir: Path | None = typer.Option(
        None, "--keys-dir", help="Where recipient-<id>.private.json is (default: inbox.keys_dir)."
    ),
) -> None:
    """Serve the web inbox until interrupted."""
    import uvicorn
    from prometheus_client import CollectorRegistry

    from hub.inbox.web.app import create_app
    from hub.inbox.web.services import build_services

    console = obj_of(ctx).console
    settings = inbox_settings(ctx, db)
    if keys_dir is not None:
        settings = settings.model_copy(update={"keys_dir": keys_dir})
    try:
        services = build_services(
            settings,
            CollectorRegistry(),
            directory=load_directory(directory_file(ctx, directory)),
            policy=load_policy(obj_of(ctx).settings.rules.policy_file or DEFAULT_POLICY),
        )
    except HubError as exc:
        raise fail(console, exc) from exc
    console.print(f"inbox at http://{host}:{port}/ (store {settings.database_url})")
    try:
        uvicorn.run(create_app(services), host=host, port=port, log_level="info")
    finally:
        services.close()
