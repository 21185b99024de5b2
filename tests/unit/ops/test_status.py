"""`hub status`'s arithmetic and tables, without a broker; the worker's real group and topics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from hub.cli.status import _ago, render
from hub.config import load_settings
from hub.ops.status import (
    STAGES,
    WORKER_GROUP,
    Backlog,
    BrokerView,
    PanelView,
    Partition,
    PartnerView,
    StageLag,
    Status,
    TopicView,
    backlog,
    newest,
    retained,
)


def test_backlog_counts_from_the_commit_or_the_log_start() -> None:
    logs = {
        ("a", 0): Partition(start=0, end=10),
        ("a", 1): Partition(start=5, end=8),  # no commit: the group would start at 5
        ("a", 2): Partition(start=20, end=30),  # commit 12 fell behind retention: from 20
    }
    assert backlog(logs, {("a", 0): 7, ("a", 2): 12}) == Backlog(
        end=48, committed=19, lag=3 + 3 + 10, never_committed=False
    )


def test_backlog_without_any_commit_is_everything_retained() -> None:
    logs = {("a", 0): Partition(2, 9), ("a", 1): Partition(0, 4)}
    assert backlog(logs, {}) == Backlog(end=13, committed=0, lag=11, never_committed=True)
    assert retained(logs) == 11


def test_a_caught_up_group_has_no_lag_and_empty_topics_none() -> None:
    logs = {("a", 0): Partition(0, 10)}
    assert backlog(logs, {("a", 0): 10}).lag == 0
    assert backlog({}, {}) == Backlog(0, 0, 0, True)


def test_newest_timestamp_ignores_empty_partitions() -> None:
    ms = 1_700_000_000_123
    assert newest([Partition(0, 0, -1), Partition(0, 3, ms)]) == datetime.fromtimestamp(
        ms / 1000, UTC
    )
    assert newest([Partition(0, 0, -1)]) is None
    assert newest([]) is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (59.9, "59s"),
        (61, "1m 1s"),
        (3600 * 5 + 120, "5h 2m"),
        (86400 * 3 + 7200, "3d 2h"),
    ],
)
def test_ago_reads_like_an_operator_would_say_it(seconds: float, text: str) -> None:
    assert _ago(seconds) == text


def test_status_knows_the_worker_s_real_group_and_topics(tmp_path: Path) -> None:
    """The stage table must follow the Faust app: its id is the consumer group."""
    from hub.streams.worker import build

    settings = load_settings(topic_prefix="p.", state_dir=tmp_path)
    app = build(settings)
    assert app.conf.id == "p." + WORKER_GROUP
    by_stage = {s.name: s for s in STAGES}
    assert {"p." + t for t in by_stage["link"].topics} == set(app.agents["hub-link"].channel.topics)
    assert {"p." + t for t in by_stage["rules"].topics} == set(
        app.agents["hub-rules"].channel.topics
    )
    assert by_stage["link"].group == by_stage["rules"].group == WORKER_GROUP


def test_render_shows_every_section() -> None:
    now = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    found = Status(
        BrokerView("127.0.0.1:1", "CLUSTER", "4.1", 1, 1),
        (TopicView("src.police", 1, 1, 5, 5), TopicView("flags", 0, 6, 0, 0)),
        (StageLag("link", "hub-worker", "Stable", 1, 5, 3, 2, False),),
        (PartnerView("police", 5, now - timedelta(minutes=3)), PartnerView("ed", 0, None)),
        (PanelView("iom", 2, 2, now - timedelta(seconds=5), True),),
    )
    console = Console(record=True, width=160)
    render(console, found, now)
    text = console.export_text()
    for expected in (
        "version 4.1",
        "CLUSTER",
        "hub-worker",
        "Stable",
        "3m 0s",
        "never",
        "2 (no delivery yet)",
        "missing",
        "1 catalogue topics are missing",
    ):
        assert expected in text
