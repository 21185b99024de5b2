"""What a worker's tables must get right when partitions move between workers: values that
Faust's changelog recovery can read, and no cached value outliving a rebalance."""

from __future__ import annotations

import asyncio
from pathlib import Path

from faust.types import TP

from hub.config import load_settings
from hub.streams.sender import key_partition
from hub.streams.state import TableBatch, encode_value
from tests.unit.streams.fakes import Sender, Table


def _partition(key: str) -> int:
    return key_partition(key.encode(), 6)


def test_a_value_written_elsewhere_meanwhile_is_read_again_after_forget() -> None:
    table = Table()
    view = TableBatch(table, _partition)
    view["p-1"] = ["e1"]
    view.flush(Sender())  # type: ignore[arg-type]
    # Another worker held the partition meanwhile; Faust's recovery wrote its value here.
    table.data._db_for_partition(_partition("p-1"))[b'"p-1"'] = encode_value(["e1", "e2"])
    view.reset()
    assert view.get("p-1") == ["e1"]  # the cache, stale: why the worker forgets it
    view.forget()
    assert view.get("p-1") == ["e1", "e2"]


def test_forget_keeps_what_a_pass_wrote_and_has_not_flushed() -> None:
    view = TableBatch(Table(), _partition)
    view["p-1"] = ["e1"]
    view.forget()
    assert view.get("p-1") == ["e1"]


def test_every_assignment_forgets_the_worker_s_cached_table_values(tmp_path: Path) -> None:
    from hub.streams.worker import build

    app = build(load_settings(topic_prefix="p.", state_dir=tmp_path))
    link, rules = app.hub_steps
    views = [link.state, rules.timelines, rules.alerted, rules.redirects]
    for view in views:
        view._cache["k"] = ["stale"]
    asyncio.run(app.on_partitions_assigned.send({TP("p.linked.events", 0)}))
    assert [view._cache for view in views] == [{}, {}, {}, {}]


def test_faust_recovers_the_worker_s_table_values_without_decoding_them(tmp_path: Path) -> None:
    """Faust decodes every changelog record it recovers with the table's value codec; the
    worker's values are MessagePack behind a marker byte, which JSON cannot decode (every
    record of a partition new to a worker was dropped, "Error in recovery", and its
    recovery never finished)."""
    from faust.types.tuples import Message

    from hub.streams.worker import build

    app = build(load_settings(topic_prefix="p.", state_dir=tmp_path))
    value = encode_value([{"event_id": "e1"}])
    for name in ("hub-linkage-state", "hub-timelines", "hub-alerted", "hub-person-redirects"):
        topic = app.tables[name].changelog_topic
        message = Message(topic.get_topic_name(), 0, 0, 0.0, 0, {}, b'"p-1"', value, None, None)
        event = asyncio.run(topic.decode(message))
        assert (event.key, event.value) == ("p-1", value)
