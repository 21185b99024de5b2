"""The topic catalogue covers the design's flow and nothing is named twice."""

from __future__ import annotations

import pytest

from hub.kafka.topics import DAY_MS, PANELS, PARTNERS, STAGES, catalogue, topic_name


def test_every_stage_of_the_flow_has_its_topics() -> None:
    names = {spec.name for spec in catalogue()}
    assert {f"src.{p}" for p in PARTNERS} <= names
    assert {f"alerts.{p}" for p in PANELS} <= names
    assert {f"dlq.{s}" for s in STAGES} <= names
    assert {"linked.events", "person.merges", "flags", "canary"} <= names


def test_names_are_unique_and_purposes_written() -> None:
    specs = catalogue()
    assert len({s.name for s in specs}) == len(specs)
    assert all(s.purpose and s.partitions >= 1 for s in specs)


def test_configs_carry_retention_compaction_and_isr() -> None:
    by_name = {s.name: s for s in catalogue()}
    assert by_name["src.police"].configs(2) == {
        "cleanup.policy": "delete",
        "min.insync.replicas": "2",
        "retention.ms": str(30 * DAY_MS),
    }
    merges = by_name["person.merges"].configs(1)
    assert merges["cleanup.policy"] == "compact"
    assert "retention.ms" not in merges


def test_prefix_isolates_every_topic() -> None:
    assert all(s.name.startswith("run1.") for s in catalogue("run1."))
    assert topic_name("flags", "run1.") == "run1.flags"


def test_unknown_topic_name_is_refused() -> None:
    with pytest.raises(KeyError, match="not in the topic catalogue"):
        topic_name("flagz")
