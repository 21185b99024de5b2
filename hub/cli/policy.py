"""`hub policy`: validate the rules and routing files analysts edit."""

from __future__ import annotations

import typer
from rich.table import Table

from hub.cli.context import fail, obj_of
from hub.errors import HubError
from hub.routing.config import DEFAULT_ROUTING, load_routing
from hub.routing.router import panels_for
from hub.rules.policy import DEFAULT_POLICY, load_policy

app = typer.Typer(help="The partnership's rules (policy) and routing to panels.")


@app.command()
def check(ctx: typer.Context) -> None:
    """Validate the policy and routing files; print each rule and where it routes."""
    obj = obj_of(ctx)
    policy_file = obj.settings.rules.policy_file or DEFAULT_POLICY
    routing_file = obj.settings.rules.routing_file or DEFAULT_ROUTING
    try:
        policy, routing = load_policy(policy_file), load_routing(routing_file)
    except HubError as exc:
        raise fail(obj.console, exc) from exc
    table = Table(
        "rule",
        "kind",
        "window",
        "panels (age 14-17 / 26+)",
        title=f"policy {policy.version} ({policy_file.name}), routing {routing_file.name}",
    )
    for rule in policy.rules:
        young = panels_for(routing, {"rule": rule.id, "age_band": "14-17", "area": "<area>"})
        adult = panels_for(routing, {"rule": rule.id, "age_band": "26+", "area": "<area>"})
        table.add_row(
            rule.id,
            rule.kind,
            f"{rule.window_days} d",
            f"{', '.join(young) or '-'} / {', '.join(adult) or '-'}",
        )
    obj.console.print(table)
    obj.console.print(
        f"{len(routing.silences)} silences, repeat interval "
        f"{routing.repeat_interval_days} days: valid."
    )
