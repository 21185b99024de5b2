"""`hub audit verify`: prove the inbox's audit log has not been edited, cut or reordered."""

from __future__ import annotations

import typer

from hub.cli.context import obj_of
from hub.inbox.errors import AuditChainBroken
from hub.inbox.settings import InboxSettings
from hub.inbox.store import InboxStore

app = typer.Typer(help="The inbox's hash-chained audit log.", no_args_is_help=True)


@app.command("verify")
def verify(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", help="Inbox store URL (default: HUB_INBOX_DATABASE_URL or .hub/inbox.db)."
    ),
) -> None:
    """Check every record's hash and link; exit 1 naming the first record that fails."""
    console = obj_of(ctx).console
    store = InboxStore.open(db or InboxSettings().database_url)
    try:
        count, head = store.verify_audit()
    except AuditChainBroken as exc:
        console.print(f"[bold red]FAILED:[/] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    finally:
        store.close()
    console.print(f"audit log OK: {count} records, head hash {head}", highlight=False)
