"""`hub status`: the broker, topics, lag, each partner's last event and each panel's
undelivered alerts, in tables an operator reads at a glance (docs/operations.md)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.table import Table

from hub.cli.context import fail, obj_of
from hub.errors import HubError
from hub.ops.status import Status, collect

UNREACHABLE = 3
"""Exit code when the broker cannot be reached (as `hub kafka status` when it is down)."""


def status(
    ctx: typer.Context,
    timeout: float = typer.Option(10.0, min=0.5, help="Seconds to wait for Kafka to answer."),
    topics: bool = typer.Option(True, help="Also list every catalogue topic."),
) -> None:
    """One look at the hub: broker, stage lag, partners' last events, panels' backlogs."""
    obj = obj_of(ctx)
    if not logging.getLogger().isEnabledFor(logging.DEBUG):
        # The client logs every refused connection; the one-line error below says it all.
        logging.getLogger("kafka").setLevel(logging.CRITICAL)
    try:
        with obj.console.status(f"Asking Kafka at {obj.settings.bootstrap_servers}..."):
            found = collect(obj.settings, timeout_s=timeout)
    except HubError as exc:
        raise fail(obj.console, f"broker unreachable: {exc}", UNREACHABLE) from exc
    render(obj.console, found, datetime.now(UTC), show_topics=topics)


def render(console: Console, found: Status, now: datetime, *, show_topics: bool = True) -> None:
    b = found.broker
    console.print(
        f"Kafka [bold green]reachable[/] at {b.bootstrap}: version {b.version}, "
        f"cluster {b.cluster_id}, {b.brokers} broker(s), controller {b.controller_id}"
    )
    lag = Table("stage", "consumer group", "state", "members", "end", "committed", "lag")
    lag.title = "Consumer lag per stage"
    for s in found.lags:
        lag.add_row(
            s.stage,
            s.group,
            s.group_state,
            str(s.members),
            f"{s.end_offset:,}",
            "none yet" if s.never_committed else f"{s.committed:,}",
            _warn(s.lag),
        )
    console.print(lag)
    partners = Table("partner", "events retained", "last event (UTC)", "ago")
    partners.title = "Partners: last event on src.<partner>"
    for p in found.partners:
        partners.add_row(p.partner, f"{p.events:,}", *_when(p.last_event, now))
    console.print(partners)
    panels = Table("panel", "alerts retained", "undelivered", "last alert (UTC)", "ago")
    panels.title = "Panels: alerts not yet delivered (alerts.<panel> minus the delivery group)"
    for q in found.panels:
        panels.add_row(
            q.panel,
            f"{q.alerts:,}",
            _warn(q.undelivered) + (" (no delivery yet)" if q.never_committed and q.alerts else ""),
            *_when(q.last_alert, now),
        )
    console.print(panels)
    missing = [t.name for t in found.topics if t.missing]
    if show_topics:
        table = Table("topic", "partitions", "messages", "end offset")
        table.title = "Topics"
        for t in found.topics:
            parts = "[red]missing[/]" if t.missing else str(t.partitions)
            if not t.missing and t.partitions != t.expected_partitions:
                parts = f"[yellow]{t.partitions} (catalogue {t.expected_partitions})[/]"
            table.add_row(t.name, parts, f"{t.messages:,}", f"{t.end_offset:,}")
        console.print(table)
    if missing:
        console.print(
            f"[yellow]{len(missing)} catalogue topics are missing[/]: run `hub topics apply`."
        )


def _warn(count: int) -> str:
    return f"[yellow]{count:,}[/]" if count else "0"


def _when(moment: datetime | None, now: datetime) -> tuple[str, str]:
    if moment is None:
        return "never", "-"
    return moment.strftime("%Y-%m-%d %H:%M:%S"), _ago((now - moment).total_seconds())


def _ago(seconds: float) -> str:
    rest = int(max(seconds, 0))
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {rest}s"
    return f"{rest}s"
