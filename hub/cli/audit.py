"""`hub audit verify`: prove the inbox's audit log has not been edited, cut or reordered."""

from __future__ import annotations

from pathlib import Path

import typer

from hub.cli.context import fail, obj_of
from hub.inbox import audit
from hub.inbox.errors import AuditChainBroken, InboxError
from hub.inbox.store import open_existing

app = typer.Typer(help="The inbox's hash-chained audit log.", no_args_is_help=True)


@app.command("verify")
def verify(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        help="Inbox store URL (default: <state_dir>/inbox.db).",
    ),
    jsonl: Path | None = typer.Option(
        None, "--jsonl", help="Verify an exported copy (hub audit export) instead of the store."
    ),
    expect_head: str | None = typer.Option(
        None, "--expect-head", help="A head hash recorded earlier: the chain must contain it."
    ),
) -> None:
    """Check every record's hash and link; exit 1 naming the first record that fails."""
    console = obj_of(ctx).console
    try:
        if jsonl is not None:
            lines = [line for line in jsonl.read_text().splitlines() if line.strip()]
            count, head = audit.verify_records(map(audit.from_json, lines), expect_head)
        else:
            store = open_existing(db or obj_of(ctx).settings.inbox_database_url)
            try:
                with store.engine.connect() as conn:
                    count, head = audit.verify_records(audit.records(conn), expect_head)
            finally:
                store.close()
    except AuditChainBroken as exc:
        console.print(f"[bold red]FAILED:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    except (InboxError, OSError, ValueError, KeyError, TypeError) as exc:
        raise fail(console, f"cannot read the audit log: {exc}") from exc
    console.print(f"audit log OK: {count} records, head hash {head}", highlight=False)


@app.command("export")
def export(
    ctx: typer.Context,
    out: Path = typer.Argument(..., help="JSONL file to write (one record a line)."),
    db: str | None = typer.Option(None, "--db", help="Inbox store URL."),
) -> None:
    """Write the whole chain as JSONL, to keep a copy outside the database."""
    console = obj_of(ctx).console
    try:
        store = open_existing(db or obj_of(ctx).settings.inbox_database_url)
    except InboxError as exc:
        raise fail(console, exc) from exc
    try:
        with store.engine.connect() as conn:
            chain = audit.records(conn)
    finally:
        store.close()
    out.write_text("".join(audit.to_json(r) + "\n" for r in chain))
    head = chain[-1].hash if chain else audit.GENESIS
    console.print(f"wrote {len(chain)} records to {out}; head hash {head}", highlight=False)
