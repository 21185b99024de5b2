"""`hub evaluate`: linkage quality against a synthetic partnership's ground truth."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from hub.cli.context import fail, obj_of
from hub.errors import HubError
from hub.linkage.offline import evaluate_linkage


def evaluate(
    ctx: typer.Context,
    synth: Path = typer.Option(Path(".hub/synth"), help="A `hub synth` output folder."),
) -> None:
    """Pairwise linkage precision, recall and F1, through the connectors' encoding path."""
    obj = obj_of(ctx)
    if not (synth / "truth" / "records.csv").is_file():
        raise fail(obj.console, f"{synth} has no truth/records.csv; run `hub synth` first")
    try:
        with obj.console.status("Encoding and linking every record..."):
            quality, methods = evaluate_linkage(synth, obj.settings.connector)
    except HubError as exc:
        raise fail(obj.console, exc) from exc
    table = Table("measure", "value", title=f"Linkage against the ground truth in {synth}")
    table.add_row("pairwise precision", f"{quality.precision:.4f}")
    table.add_row("pairwise recall", f"{quality.recall:.4f}")
    table.add_row("pairwise F1", f"{quality.f1:.4f}")
    table.add_row(
        "true / predicted / correct pairs",
        f"{quality.true_pairs:,} / {quality.predicted_pairs:,} / {quality.correct_pairs:,}",
    )
    table.add_row("decisions", ", ".join(f"{k} {v:,}" for k, v in sorted(methods.items())))
    obj.console.print(table)
