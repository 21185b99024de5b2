"""Two real `hub worker` processes in one consumer group, rebalanced twice mid-stream.

See test docstring.
"""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka.errors import KafkaError

from hub.config import HubSettings
from hub.contracts.codec import Codec
from hub.kafka.admin import apply_catalogue
from hub.kafka.topics import PANELS, PARTNERS, topic_name
from tests.integration.conftest import Partnership, publish_partnership
from tests.integration.processes import hub_worker, stop
from tests.integration.reading import records
from tests.integration.streams.group import (
    Source,
    assignment,
    feed,
    paced,
    sources,
    uncommitted,
    written,
)

GROUP_TOPICS = [f"src.{p}" for p in PARTNERS] + ["linked.events", "person.merges"]
PERSON_TOPICS = ("linked.events", "person.merges")


def _fresh(settings: HubSettings, tmp: Path, name: str) -> HubSettings:
    """A prefix and state of its own, with the catalogue's topics."""
    fresh = settings.model_copy(
        update={"topic_prefix": f"t{uuid.uuid4().hex[:10]}.", "state_dir": tmp / name}
    )
    apply_catalogue(fresh)
    return fresh


def _worker(settings: HubSettings, tmp: Path, name: str) -> tuple[subprocess.Popen[bytes], Path]:
    """A worker with its own state directory (its RocksDB), as on its own machine."""
    log = tmp / f"{name}.log"
    own = settings.model_copy(update={"state_dir": tmp / name})
    return hub_worker(own, log, HUB_WORKER__SESSION_TIMEOUT_S="10"), log


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
    codec = Codec()
    out: dict[str, set[str]] = defaultdict(set)
    for value, _headers in records(settings, "linked.events"):
        record = codec.decode(value)[1]
        out[record["event_id"]].add(record["person_id"])
    return out


def _alerts(settings: HubSettings) -> dict[str, dict[str, object]]:
    codec = Codec()
    return {
        (record := codec.decode(v)[1])["alert_id"]: record
        for p in PANELS
        for v, _h in records(settings, f"alerts.{p}")
    }


def _settled(settings: HubSettings, events: int, seen: list[str]) -> Callable[[], bool]:
    """Every event has its LinkedEvent and the group has committed every input (Faust
    flushes every output before it commits)."""

    def check() -> bool:
        try:
            behind = uncommitted(settings, GROUP_TOPICS)
        except KafkaError as exc:  # no coordinator yet: the group is still forming
            seen.append(repr(exc))
            return False
        linked = len(_outcomes(settings))
        seen.append(f"{linked} of {events} events linked; uncommitted: {behind}")
        return linked >= events and not behind

    return check


def _reference(stream: list[Source], settings: HubSettings, tmp: Path) -> dict[str, dict[str, object]]:
    ref = _fresh(settings, tmp, "ref")
    feed(ref, stream)
    worker, log = _worker(ref, tmp, "ref")
    try:
        seen: list[str] = []
        _until("reference settled", _settled(ref, len(stream), seen), [worker], [log], 90, seen)
    finally:
        stop(worker)
    return _alerts(ref)


def _split(settings: HubSettings) -> dict[str, set[tuple[str, int]]] | None:
    held = assignment(settings)
    if len(held) != 2:
        return None
    person = [
        {tp for tp in tps if tp[0] in {topic_name(t, settings.topic_prefix) for t in PERSON_TOPICS}}
        for tps in held.values()
    ]
    return held if all(person) else None


@pytest.mark.parametrize("victim", ["joiner"])
def test_rebalance(
    connector_settings: HubSettings, partnership: Partnership, tmp_path: Path, victim: str
) -> None:
    t0 = time.monotonic()
    publish_partnership(connector_settings, partnership)
    stream = sources(connector_settings)
    print("events", len(stream), "publish", time.monotonic() - t0)
    t1 = time.monotonic()
    reference = _reference(stream, connector_settings, tmp_path)
    print("reference alerts", len(reference), "took", time.monotonic() - t1)

    settings = _fresh(connector_settings, tmp_path, "run")
    first, first_log = _worker(settings, tmp_path, "a")
    workers, logs = [first], [first_log]
    try:
        with paced(settings, stream, per_s=len(stream) / 25):
            t2 = time.monotonic()
            _until(
                "a fifth linked", lambda: written(settings, "linked.events") >= len(stream) // 5,
                workers, logs, 60,
            )
            print("fifth at", time.monotonic() - t2)
            joiner, joiner_log = _worker(settings, tmp_path, "b")
            workers.append(joiner)
            logs.append(joiner_log)
            split: list[dict[str, set[tuple[str, int]]]] = []
            _until(
                "partitions split", lambda: bool(split.append(s) or True) if (s := _split(settings)) else False,
                workers, logs, 60,
            )
            print("split at", time.monotonic() - t2, written(settings, "linked.events"), split[0])
            _until(
                "half linked", lambda: written(settings, "linked.events") >= len(stream) // 2,
                workers, logs, 60,
            )
            gone = joiner if victim == "joiner" else first
            gone.send_signal(signal.SIGKILL)
            gone.wait(30)
            workers.remove(gone)
            print("killed at", time.monotonic() - t2, written(settings, "linked.events"))
            _until("one member", lambda: len(assignment(settings)) == 1, workers, logs, 60)
            print("one member at", time.monotonic() - t2, written(settings, "linked.events"))
        seen: list[str] = []
        _until("settled", _settled(settings, len(stream), seen), workers, logs, 90, seen)
        print("settled at", time.monotonic() - t2)
    finally:
        for worker in workers:
            stop(worker)
    outcomes = _outcomes(settings)
    alerts = _alerts(settings)
    print("alerts", len(alerts), "ref", len(reference))
    print("missing", sorted(set(reference) - set(alerts))[:10])
    print("extra", sorted(set(alerts) - set(reference))[:10])
    assert set(outcomes) >= {h for h in outcomes}
    assert all(len(p) == 1 for p in outcomes.values())
    assert set(alerts) == set(reference)
