"""`hub link`: link person-record files in batch through the stream's pseudonymised path.

For onboarding a partner's back catalogue: one CSV (duplicates within it) or two (matches
across them), a column mapping on the command line, matched record-id pairs with scores out.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hub.cli.context import fail, obj_of
from hub.errors import ConfigurationError, HubError
from hub.linkage.batch import (
    ColumnMapping,
    QuarantineCsv,
    check_files,
    count_rows,
    parse_identifiers,
    run_batch,
    write_pairs,
)
from hub.linkage.explain import explain, unmerge
from privacy.errors import KeyRingError
from privacy.keyring import LinkageKeys, Secret, load_linkage

app = typer.Typer(help="Batch linkage of person-record files; explain and undo merges.")


def _overrides(values: list[str]) -> dict[str, str]:
    out = {}
    for value in values:
        name, sep, column = value.partition("=")
        if not sep:
            raise ConfigurationError(f"--right {value!r}: expected FIELD=COLUMN")
        out[name.strip().replace("-", "_")] = column
    return out


def _linkage(keys: Path | None, console: Any) -> LinkageKeys:
    if keys is None:
        console.print(
            "[yellow]No --keys: using an ephemeral linkage key for this run only.[/] Its "
            "tokens and encodings match nothing made before or after; give the partnership's "
            "key folder to link against the hub's own records."
        )
        return LinkageKeys(1, {1: Secret(secrets.token_bytes(32))})
    try:
        return load_linkage(keys / "linkage.json" if keys.is_dir() else keys)
    except KeyRingError as exc:
        raise ConfigurationError(f"{exc} (the folder `hub keys generate` wrote)") from exc


@app.command("files")
def files(
    ctx: typer.Context,
    inputs: list[Path] = typer.Argument(..., help="One CSV (find duplicates) or two (match)."),
    out: Path = typer.Option(Path("pairs.csv"), "--out", "-o", help="Matched pairs CSV."),
    quarantine: Path = typer.Option(
        Path("link-quarantine.csv"), help="Rows that could not be linked, and why."
    ),
    record_id: str = typer.Option(..., "--id", help="Column of the record id."),
    given: str | None = typer.Option(None, help="Column of the given name(s)."),
    family: str | None = typer.Option(None, help="Column of the surname."),
    dob: str | None = typer.Option(None, help="Column of the date of birth."),
    dob_format: str = typer.Option("%Y-%m-%d", help="strptime format of --dob (%d/%m/%Y...)."),
    sex: str | None = typer.Option(None, help="Column of sex (M/F/U, Male/Female, 1/2/9)."),
    postcode: str | None = typer.Option(None, help="Column of the postcode."),
    address: list[str] = typer.Option(
        [],
        help="Address line column (repeat for several); a postcode in it is used when "
        "the postcode column is blank.",
    ),
    identifier: list[str] = typer.Option(
        [], help="COLUMN:TYPE of an identifier (nhs, pnc, upn, prison); repeatable."
    ),
    right: list[str] = typer.Option(
        [],
        help="FIELD=COLUMN for the second file when its headers differ "
        "(record_id, given, family, dob, dob_format, sex, postcode, address=A+B, "
        "identifier=NHS:nhs+PNC:pnc; empty: no such column).",
    ),
    keys: Path | None = typer.Option(
        None, help="Key folder (or linkage.json) of the partnership; omitted: ephemeral key."
    ),
    state: Path | None = typer.Option(
        None, help="Keep the linkage state here (JSON) for `hub link explain` and `unmerge`."
    ),
) -> None:
    """Link person records through the same normalisation, encoding and linker as the stream."""
    console = obj_of(ctx).console
    try:
        if not 1 <= len(inputs) <= 2:
            raise ConfigurationError("give one file (to find duplicates) or two (to match)")
        for path in inputs:
            if not path.is_file():
                raise ConfigurationError(f"{path}: no such file")
        mapping = ColumnMapping(
            record_id, given, family, dob, dob_format, sex, postcode, tuple(address),
            parse_identifiers(identifier),
        )  # fmt: skip
        mappings = [mapping, mapping.with_overrides(_overrides(right))][: len(inputs)]
        check_files(inputs, mappings)  # before any output file is created
        linkage = _linkage(keys, console)
        total = sum(count_rows(p) for p in inputs)
        bad = QuarantineCsv(quarantine)
        try:
            with Progress(
                TextColumn("[bold]linking"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task("rows", total=total)
                pairs, summary, linker = run_batch(
                    inputs, mappings, linkage, bad, progress=lambda: bar.advance(task)
                )
        finally:
            bad.close()
        write_pairs(out, pairs)
        if state is not None:
            state.write_text(json.dumps(linker.store), encoding="utf-8")
    except (HubError, OSError) as exc:
        raise fail(console, str(exc)) from exc
    table = Table("file", "rows", "linked", "quarantined", title="hub link")
    names = list(summary.rows)
    for name in names:
        q = sum(n for (f, _), n in summary.quarantined.items() if f == name)
        table.add_row(name, f"{summary.rows[name]:,}", f"{summary.linked[name]:,}", f"{q:,}")
    console.print(table)
    kinds = ", ".join(f"{k} {n}" for (_, k), n in sorted(summary.quarantined.items()))
    console.print(
        f"decisions: {', '.join(f'{k} {v:,}' for k, v in sorted(summary.methods.items()))}; "
        f"{summary.clusters:,} clusters of two or more; {summary.pairs:,} pairs -> {out}"
    )
    if bad.count:
        console.print(f"quarantined {bad.count:,} rows ({kinds}) -> {quarantine}")


def _load_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigurationError(f"{path}: not a linkage state file ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: not a linkage state file")
    return data


@app.command("explain")
def explain_cmd(
    ctx: typer.Context,
    person: str = typer.Argument(..., help="A person id (a merged id shows its survivor)."),
    state: Path = typer.Option(..., help="The state file `hub link files --state` kept."),
) -> None:
    """The links, scores and merges that built one person."""
    console = obj_of(ctx).console
    try:
        report = explain(_load_state(state), person)
    except HubError as exc:
        raise fail(console, str(exc)) from exc
    table = Table(
        "person", "event", "method", "score", "candidates", title=f"person {report.person_id}"
    )
    for link in report.links:
        table.add_row(
            link.person_id, link.event_id, link.method, f"{link.score:.4f}", str(link.candidates)
        )
    console.print(table)
    for m in report.merges:
        console.print(f"merged {m.merged} into {m.survivor} by event {m.event_id} ({m.method})")
    for u in report.unmerges:
        console.print(f"unmerged {u.merged} from {u.survivor}: {u.reason}")


@app.command("unmerge")
def unmerge_cmd(
    ctx: typer.Context,
    survivor: str = typer.Argument(..., help="The surviving person id."),
    merged: str = typer.Argument(..., help="The person id merged into it by mistake."),
    state: Path = typer.Option(..., help="The state file `hub link files --state` kept."),
    reason: str = typer.Option(..., help="Why the merge was wrong (kept with the decision)."),
) -> None:
    """Undo a wrong merge: the merged id stands alone again and the two are kept apart."""
    console = obj_of(ctx).console
    try:
        store = _load_state(state)
        done = unmerge(store, survivor, merged, reason)
        state.write_text(json.dumps(store), encoding="utf-8")
    except HubError as exc:
        raise fail(console, str(exc)) from exc
    console.print(
        f"{done.merged} no longer redirects to {done.survivor}; "
        f"{len(done.removed_encodings)} encodings and {len(done.removed_tokens)} identifier "
        "tokens went back; the two are kept apart from now on."
    )
