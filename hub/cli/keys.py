"""`hub keys`: key files for a new partnership, and linkage-key rotation."""

from __future__ import annotations

from pathlib import Path

import typer

from hub.cli.context import fail, obj_of
from privacy.errors import KeyRingError
from privacy.keyring import generate_partnership, retire_linkage_versions, rotate_linkage_key

app = typer.Typer(help="Key files by role (privacy/README.md): generate, rotate, retire.")

DEFAULT_PARTNERS = "police,ed,prison,school,yjs"


@app.command()
def generate(
    ctx: typer.Context,
    out: Path = typer.Option(Path(".hub/keys"), "--out", "-o", help="Folder for the key files."),
    partners: str = typer.Option(DEFAULT_PARTNERS, help="Comma-separated partner ids."),
    recipients: str = typer.Option("panels", help="Comma-separated sealing recipients."),
    force: bool = typer.Option(False, "--force", help="Replace existing key files."),
) -> None:
    """Generate a fresh key set for a new partnership (never for an existing one)."""
    console = obj_of(ctx).console
    if (out / "linkage.json").exists() and not force:
        raise fail(
            console,
            f"{out}/linkage.json exists; replacing it unlinks every token "
            "made with it. Use --force only for a new partnership.",
        )
    written = generate_partnership(out, _ids(partners), _ids(recipients))
    console.print(f"Wrote {len(written)} key files to {out}:")
    for path in written:
        console.print(f"  {path.name}")
    console.print(
        "Give each partner linkage.json, its own signing-<partner>.json and the "
        "recipient-*.public.json; keep recipient-*.private.json with the identity "
        "service only."
    )


@app.command()
def rotate(ctx: typer.Context, path: Path = typer.Argument(..., help="linkage.json")) -> None:
    """Start a rotation: a new current linkage key; the old one stays accepted."""
    console = obj_of(ctx).console
    try:
        version = rotate_linkage_key(path)
    except KeyRingError as exc:
        raise fail(console, str(exc)) from exc
    console.print(
        f"Linkage key version {version} is current; older versions stay accepted "
        "until `hub keys retire` (both tokens are produced meanwhile)."
    )


@app.command()
def retire(ctx: typer.Context, path: Path = typer.Argument(..., help="linkage.json")) -> None:
    """End a rotation: stop producing tokens under older linkage key versions."""
    try:
        retire_linkage_versions(path)
    except KeyRingError as exc:
        raise fail(obj_of(ctx).console, str(exc)) from exc
    obj_of(ctx).console.print("Older linkage key versions retired.")


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]
