"""Two real `hub worker` processes in one consumer group, rebalanced twice mid-stream: no
event and no alert lost or duplicated (issue #5, "Delivery guarantees")."""

from __future__ import annotations

import signal
import subprocess
import time
import urllib.request
import uuid
import warnings
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kafka.errors import KafkaError
from prometheus_client.parser import text_string_to_metric_families

from hub.config import HubSettings
from hub.contracts.codec import Codec
from hub.kafka.admin import apply_catalogue
from hub.kafka.local import free_port
from hub.kafka.snapshot import read_to_end
from hub.kafka.topics import PANELS, PARTNERS, topic_name
from tests.integration.conftest import Partnership, publish_partnership
from tests.integration.processes import hub_worker, stop
from tests.integration.reading import records
from tests.integration.streams.group import (
    assignment,
    paced,
    sources,
    uncommitted,
    written,
)
from tests.unit.streams.test_rules_step import Event, Message, make_step, run_batch

GROUP_TOPICS = [f"src.{p}" for p in PARTNERS] + ["linked.events", "person.merges"]
PERSON_TOPICS = ("linked.events", "person.merges")
CODEC = Codec()
FEED_S = 25  # the feed lasts this long: both rebalances happen while it goes on


def _fresh(settings: HubSettings, tmp: Path, name: str) -> HubSettings:
    """A prefix and state of its own, with the catalogue's topics."""
    fresh = settings.model_copy(
        update={"topic_prefix": f"t{uuid.uuid4().hex[:10]}.", "state_dir": tmp / name}
    )
    apply_catalogue(fresh)
    return fresh


def _worker(
    settings: HubSettings, tmp: Path, name: str, port: int
) -> tuple[subprocess.Popen[bytes], Path]:
    """A worker with its own state directory (its RocksDB), as on its own machine, and a
    session timeout short enough that a killed worker leaves the group within the test."""
    log = tmp / f"{name}.log"
    own = settings.model_copy(update={"state_dir": tmp / name})
    env = {"HUB_WORKER__SESSION_TIMEOUT_S": "10", "HUB_WORKER__METRICS_PORT": str(port)}
    return hub_worker(own, log, **env), log


def _events_done(port: int) -> float:
    """Events the worker's stages finished (``hub_worker_events_total``), from its /metrics."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
    except OSError:
        return 0.0
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "hub_worker_events_total"
    )


def _tails(logs: list[Path]) -> str:
    return "\n".join(f"--- {log.name}:\n{log.read_text()[-2500:]}" for log in logs)


def _until(
    what: str,
    done: Callable[[], bool],
    workers: list[subprocess.Popen[bytes]],
    logs: list[Path],
    timeout_s: float,
    seen: list[str] | None = None,
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for worker in workers:
            if worker.poll() is not None:
                pytest.fail(f"a worker exited {worker.returncode} ({what}):\n{_tails(logs)}")
        if done():
            return
        time.sleep(0.3)
    last = seen[-1] if seen else ""
    pytest.fail(f"not within {timeout_s:.0f}s: {what} ({last})\n{_tails(logs)}")


def _outcomes(settings: HubSettings) -> dict[str, set[str]]:
    """Event id -> the person ids its LinkedEvents carry."""
    out: dict[str, set[str]] = defaultdict(set)
    for value, _headers in records(settings, "linked.events"):
        record = CODEC.decode(value)[1]
        out[record["event_id"]].add(record["person_id"])
    return out


def _alerts(settings: HubSettings) -> dict[str, dict[str, Any]]:
    """Alert id -> the alert, from every panel's alert topic."""
    return {
        (record := CODEC.decode(v)[1])["alert_id"]: record
        for p in PANELS
        for v, _h in records(settings, f"alerts.{p}")
    }


def _lost(settings: HubSettings, outcomes: dict[str, set[str]]) -> list[str]:
    """Source records whose event has no LinkedEvent, as topic[partition]@offset."""
    return [
        f"{m.topic}[{m.partition}]@{m.offset}"
        for partner in PARTNERS
        for m in read_to_end(settings, f"src.{partner}", 60)
        if CODEC.decode(m.value)[1]["envelope"]["event_id"] not in outcomes
    ]


def _settled(settings: HubSettings, events: int, seen: list[str]) -> Callable[[], bool]:
    """Every event has its LinkedEvent and the group has committed every input (Faust
    flushes every output before it commits)."""

    def check() -> bool:
        try:
            behind = uncommitted(settings, GROUP_TOPICS)
        except KafkaError as exc:  # no coordinator yet: the group is still forming
            seen.append(repr(exc))
            return False
        outcomes = _outcomes(settings)
        linked = len(outcomes)
        missing = (
            "" if linked >= events or behind else f"; without one: {_lost(settings, outcomes)}"
        )
        seen.append(f"{linked} of {events} events linked; uncommitted: {behind}{missing}")
        return linked >= events and not behind

    return check


def _replayed(settings: HubSettings) -> dict[str, str]:
    """Alert id -> person id, as one uninterrupted rules stage gives them for this run's own
    LinkedEvents: each linked.events partition replayed in offset order through a fresh
    ``RulesStep`` (the worker's own code, on in-memory tables), each event id once (a
    re-send is a redelivery the timeline would skip)."""
    step, sender, _registry = make_step()
    name = topic_name("linked.events", settings.topic_prefix)
    by_partition: dict[int, list[tuple[int, bytes, float]]] = defaultdict(list)
    for m in read_to_end(settings, "linked.events", 60):
        by_partition[m.partition].append((m.offset, m.value, m.timestamp / 1000))
    for partition in sorted(by_partition):
        seen: set[str] = set()
        events = []
        for _offset, value, timestamp in sorted(by_partition[partition]):
            event_id = CODEC.decode(value)[1]["event_id"]
            if event_id not in seen:
                seen.add(event_id)
                events.append(Event(value, Message(name, timestamp, partition)))
        run_batch(step, *events)
    alerts = [CODEC.decode(v)[1] for t, _k, v in sender.records if t.startswith("alerts.") and v]
    return {alert["alert_id"]: alert["person_id"] for alert in alerts}


def _merged_people(settings: HubSettings) -> set[str]:
    """Both ids of every merge the linker published."""
    merges = [CODEC.decode(value)[1] for value, _h in records(settings, "person.merges")]
    return {m["surviving_id"] for m in merges} | {m["merged_id"] for m in merges}


def _split(settings: HubSettings, found: list[dict[str, set[tuple[str, int]]]]) -> bool:
    """Two members, each holding some of the person partitions (linked.events and
    person.merges): only then does the rebalance move work between workers."""
    held = assignment(settings)
    names = {topic_name(t, settings.topic_prefix) for t in PERSON_TOPICS}
    if len(held) != 2 or not all({tp for tp in tps if tp[0] in names} for tps in held.values()):
        return False
    found.append(held)
    return True


@pytest.mark.parametrize(
    ("leaves", "how"),
    [
        pytest.param("joiner", signal.SIGKILL, id="sigkill-joiner"),
        pytest.param("first", signal.SIGTERM, id="sigterm-first"),
    ],
)
def test_no_event_or_alert_is_lost_or_duplicated_across_two_rebalances(
    connector_settings: HubSettings,
    partnership: Partnership,
    tmp_path: Path,
    leaves: str,
    how: signal.Signals,
) -> None:
    """Worker A starts alone on a stream fed at a pace; once a fifth of it is linked, worker
    B joins the group (rebalance 1: asserted from the broker's view of the group, the person
    partitions are split between A and B); half-way, one of them leaves (rebalance 2:
    SIGKILL of B, whose partitions go back to A, or SIGTERM of A, whose partitions all go to
    B, which then recovers the linkage state from its changelog). The feed goes on meanwhile.

    Settled means every source event has a LinkedEvent and the group has committed every
    input offset (Faust flushes the producer before every commit, so every output of a
    committed input is in Kafka). Then:

    - every published event has exactly one outcome: its id is on linked.events, and every
      copy of it (an at-least-once re-send) carries the same person id;
    - the alerts are exactly those one uninterrupted rules stage gives for this run's own
      LinkedEvents (``_replayed``): none lost (a replayed id missing), none duplicated under
      another id (an id the replay does not give).

    Why the replay and not a reference worker: a single worker over the same events does not
    give the same alert ids from run to run (measured: a backlog run and a paced run of these
    events gave 30 events other person ids, so other alert ids, and 4 of 46 alerts other
    evidence). Faust interleaves the five one-partition source topics as fetches return,
    so which event of a person arrives first (its person id) and which earlier offence a
    repeat flag cites as evidence (its flag and alert ids) follow the order. The rules
    stage, though, sees each person's events in their linked.events partition's order, so
    replaying those partitions through the worker's own ``RulesStep`` gives what an
    uninterrupted stage would have sent. Person merges are not replayed: the
    people a merge touches are left out of the alert check with a warning (none in the runs
    so far; a merge whose two people sit in partitions held by different workers is a known
    limit, docs/streams.md "Merges follow the person").
    """
    publish_partnership(connector_settings, partnership)
    stream = sources(connector_settings)
    settings = _fresh(connector_settings, tmp_path, "run")
    first, first_log = _worker(settings, tmp_path, "a", free_port())
    workers, logs = [first], [first_log]
    try:
        with paced(settings, stream, per_s=len(stream) / FEED_S):
            _until(
                "a fifth of the events linked",
                lambda: written(settings, "linked.events") >= len(stream) // 5,
                workers,
                logs,
                60,
            )
            joiner_port = free_port()
            joiner, joiner_log = _worker(settings, tmp_path, "b", joiner_port)
            workers.append(joiner)
            logs.append(joiner_log)
            split: list[dict[str, set[tuple[str, int]]]] = []
            _until(
                "person partitions split between A and B",
                lambda: _split(settings, split),
                workers,
                logs,
                60,
            )
            # Assigned is not enough: B must have recovered its partitions' state from the
            # changelogs and done work on them before the second rebalance.
            _until(
                "B processing events",
                lambda: _events_done(joiner_port) >= 20,
                workers,
                logs,
                60,
            )
            linked_at_split = written(settings, "linked.events")
            assert linked_at_split < len(stream), "the stream ended before the rebalance"
            _until(
                "half of the events linked",
                lambda: written(settings, "linked.events") >= len(stream) // 2,
                workers,
                logs,
                60,
            )
            gone = joiner if leaves == "joiner" else first
            gone.send_signal(how)
            gone.wait(60)
            workers.remove(gone)
            linked_at_leave = written(settings, "linked.events")
            assert linked_at_leave < len(stream), "the stream ended before the second rebalance"
            _until(
                "one member left in the group",
                lambda: len(assignment(settings)) == 1,
                workers,
                logs,
                60,
            )
        seen: list[str] = []
        _until("settled", _settled(settings, len(stream), seen), workers, logs, 90, seen)
    finally:
        for worker in workers:
            stop(worker)

    published = {CODEC.decode(value)[1]["envelope"]["event_id"] for _b, _k, value, _h in stream}
    outcomes = _outcomes(settings)
    assert set(outcomes) == published
    assert {e for e, people in outcomes.items() if len(people) > 1} == set()

    # Merges are not replayed (their order against the LinkedEvents is not in Kafka): the
    # people they touch are left out of the exact comparison, and said so.
    merged = _merged_people(settings)
    if merged:
        warnings.warn(f"{len(merged)} people in merges left out of the alert check", stacklevel=1)
    live = {a: r["person_id"] for a, r in _alerts(settings).items() if r["person_id"] not in merged}
    expected = {a: p for a, p in _replayed(settings).items() if p not in merged}
    assert len(expected) >= 20
    assert set(live) - set(expected) == set(), "alerts duplicated under another id (or wrong)"
    assert set(expected) - set(live) == set(), "alerts lost"
