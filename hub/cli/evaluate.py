"""`hub evaluate`: linkage and rule quality against a synthetic partnership's ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.context import fail, obj_of
from hub.config import HubSettings
from hub.errors import HubError
from hub.linkage.offline import evaluate_linkage
from hub.linkage.rules_eval import (
    RuleQuality,
    compare,
    load_truth,
    raise_offline,
    record_tokens,
)
from hub.rules.policy import DEFAULT_POLICY, load_policy

TARGET = 0.98  # issue #5: every rule's flag precision and recall


def evaluate(
    ctx: typer.Context,
    synth: Path = typer.Option(Path(".hub/synth"), help="A `hub synth` output folder."),
    rules: bool = typer.Option(True, "--rules/--no-rules", help="Per-rule flag quality too."),
    from_kafka: bool = typer.Option(
        False,
        "--from-kafka",
        help="Score the flags the worker wrote to the `flags` topic (with the configured "
        "topic prefix) instead of an offline run.",
    ),
    policy_file: Path | None = typer.Option(
        None, "--policy", help="Policy file (default: rules.policy_file or the shipped one)."
    ),
) -> None:
    """Pairwise linkage precision, recall and F1, and per rule the flags expected, raised,
    missed and wrong, through the connectors' encoding path."""
    obj = obj_of(ctx)
    settings, console = obj.settings, obj.console
    if not (synth / "truth" / "records.csv").is_file():
        raise fail(console, f"{synth} has no truth/records.csv; run `hub synth` first")
    try:
        policy = load_policy(policy_file or settings.rules.policy_file or DEFAULT_POLICY)
        if not from_kafka:
            with console.status("Encoding and linking every record..."):
                quality, methods = evaluate_linkage(synth, settings.connector)
            _linkage_table(console, synth, quality, methods)
        if not rules and not from_kafka:
            return
        with console.status("Working out the flags the truth expects..."):
            truth = load_truth(synth, policy)
        if from_kafka:
            with console.status("Reading the flags topic..."):
                raised = read_flags(settings)
                record_of = record_tokens(synth, settings.connector)
            found = compare(policy, truth, raised, record_of)
            source = f"flags topic {settings.topic_prefix}flags ({len(raised):,} flags)"
        else:
            with console.status("Linking and evaluating the rules event by event..."):
                run = raise_offline(synth, settings.connector, policy)
            found = compare(policy, truth, run.flags, run.record_of, run.hub_person)
            source = "offline run"
    except HubError as exc:
        raise fail(console, exc) from exc
    rule_table(console, found, f"Flags per rule ({source}, policy {policy.version})")


def _linkage_table(console: Console, synth: Path, quality: Any, methods: dict[str, int]) -> None:
    table = Table("measure", "value", title=f"Linkage against the ground truth in {synth}")
    table.add_row("pairwise precision", f"{quality.precision:.4f}")
    table.add_row("pairwise recall", f"{quality.recall:.4f}")
    table.add_row("pairwise F1", f"{quality.f1:.4f}")
    table.add_row(
        "true / predicted / correct pairs",
        f"{quality.true_pairs:,} / {quality.predicted_pairs:,} / {quality.correct_pairs:,}",
    )
    table.add_row("decisions", ", ".join(f"{k} {v:,}" for k, v in sorted(methods.items())))
    console.print(table)


def rule_table(console: Console, found: dict[str, RuleQuality], title: str) -> None:
    table = Table(title=title)
    table.add_column("rule", no_wrap=True)
    for name in ("expected", "raised", "matched", "missed (cause)", "wrong (cause)"):
        table.add_column(name)
    table.add_column("precision", no_wrap=True)
    table.add_column("recall", no_wrap=True)
    for q in found.values():

        def mark(value: float) -> str:
            return f"{value:.4f}" if value >= TARGET else f"[red]{value:.4f}[/]"

        table.add_row(
            q.rule_id,
            f"{q.expected:,}",
            f"{q.raised:,}",
            f"{q.matched:,}",
            _causes(sum(q.missed.values()), q.missed),
            _causes(sum(q.wrong.values()), q.wrong),
            mark(q.precision),
            mark(q.recall),
        )
    console.print(table)
    console.print(
        "causes: split = the evidence ended in two hub persons (a missed link); merged = "
        "the evidence belongs to two people (a false link); same_record = two versions of "
        "one record; rule = linkage was right, the rule disagrees with the truth."
    )


def _causes(total: int, causes: Any) -> str:
    if not total:
        return "0"
    return f"{total:,} (" + ", ".join(f"{k} {v}" for k, v in sorted(causes.items())) + ")"


def read_flags(settings: HubSettings, timeout_s: float = 60.0) -> list[dict[str, Any]]:
    """Every flag on the ``flags`` topic, from the beginning to the end offsets read at the
    start (nothing is committed: a read-only scan), deduplicated on the flag id."""
    from hub.contracts.codec import Codec
    from hub.kafka.snapshot import read_to_end

    codec = Codec()
    flags: dict[str, dict[str, Any]] = {}
    for message in read_to_end(settings, "flags", timeout_s):
        _, flag = codec.decode(message.value)
        flags.setdefault(flag["flag_id"], flag)
    return list(flags.values())
