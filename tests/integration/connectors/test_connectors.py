"""The five connectors against the real broker, on a synthetic partnership."""

from __future__ import annotations

import csv
import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

from kafka import KafkaConsumer

from hub.config import HubSettings, child_environment
from hub.connectors.runner import MAPPINGS, ConnectorRun
from hub.contracts.codec import Codec
from hub.kafka.client import kafka_python_config
from hub.kafka.topics import topic_name
from hub.synth.exports import FOLDER_OF_PARTNER
from tests.integration.conftest import Partnership
from tests.procfs import children, ended

REPO = Path(__file__).resolve().parents[3]


def _published(settings: HubSettings, partner: str) -> list[tuple[bytes, dict[str, bytes]]]:
    consumer = KafkaConsumer(
        topic_name(f"src.{partner}", settings.topic_prefix),
        **kafka_python_config(settings),
        auto_offset_reset="earliest",
        consumer_timeout_ms=4000,
    )
    records = [(m.value, dict(m.headers)) for m in consumer]
    consumer.close()
    return records


def _run(settings: HubSettings, partner: str, path: Path) -> ConnectorRun:
    run = ConnectorRun(settings, partner)
    try:
        run.recover()
        run.run_paths([path])
        run.drain(30)
    finally:
        run.close()
    return run


def _clear_values(partnership: Partnership) -> set[bytes]:
    """Every name, date of birth, address and identifier in the exports, as bytes."""
    found: set[str] = set()
    for folder in FOLDER_OF_PARTNER.values():
        for path in (partnership.root / "exports" / folder).iterdir():
            rows = (
                csv.DictReader(path.open())
                if path.suffix == ".csv"
                else (json.loads(line) for line in path.open())
            )
            for row in rows:
                person = row.get("patient") or row.get("young_person") or row
                for key, value in person.items():
                    lowered = key.lower()
                    if value and any(
                        w in lowered
                        for w in (
                            "name",
                            "surname",
                            "dob",
                            "birth",
                            "address",
                            "nhs",
                            "pnc",
                            "upn",
                            "prisonnumber",
                        )
                    ):
                        found.add(str(value))
    return {v.encode() for v in found if len(v) >= 5}


def test_all_five_connectors_publish_decodable_pseudonymised_events(
    connector_settings: HubSettings, partnership: Partnership
) -> None:
    codec = Codec()
    clear = _clear_values(partnership)
    bad = Counter(row["partner"] for row in partnership.bad_rows())
    for partner in MAPPINGS:
        run = _run(connector_settings, partner, partnership.export(partner))
        summary = run.summary
        published = _published(connector_settings, partner)
        assert summary.read == summary.published + summary.quarantined + summary.duplicates
        assert len(published) == summary.published > 0
        assert summary.quarantined == bad[FOLDER_OF_PARTNER[partner]]
        ids = set()
        for value, headers in published:
            schema, event = codec.decode(value)
            assert schema == MAPPINGS[partner].SCHEMA
            assert headers["ce_id"].decode() == event["envelope"]["event_id"]
            ids.add(event["envelope"]["event_id"])
            leaked = [c for c in clear if c in value]
            assert leaked == [], f"{partner} published clear values"
        assert len(ids) == len(published)


def test_bad_rows_are_quarantined_with_file_row_and_kind(
    connector_settings: HubSettings, partnership: Partnership
) -> None:
    expected = {
        (r["file"].split("/")[-1], int(r["row"]), r["kind"])
        for r in partnership.bad_rows()
        if r["partner"] == "police"
    }
    run = _run(connector_settings, "police", partnership.export("police"))
    lines = [json.loads(x) for x in run.quarantine.path.read_text().splitlines()]
    assert {(q["source"], q["row"], q["kind"]) for q in lines} == expected
    assert all(q["field"] and q["reason"] for q in lines)


def test_a_second_run_publishes_nothing_twice(
    connector_settings: HubSettings, partnership: Partnership
) -> None:
    first = _run(connector_settings, "ed", partnership.export("ed"))
    second = _run(connector_settings, "ed", partnership.export("ed"))
    assert second.summary.published == 0
    assert second.summary.files_skipped == first.summary.files
    assert len(_published(connector_settings, "ed")) == first.summary.published


def test_killed_mid_run_it_resumes_with_no_gap_and_no_duplicate(
    connector_settings: HubSettings, partnership: Partnership, tmp_path: Path
) -> None:
    big = tmp_path / "police_all.csv"
    files = sorted(partnership.export("police").glob("*.csv"))
    header = files[0].read_text().splitlines()[0]
    rows = [line for f in files for line in f.read_text().splitlines()[1:]]
    copies = rows * 60  # repeats become duplicates; a run long enough to be killed mid-way
    big.write_text("\n".join([header, *copies]) + "\n")
    env = child_environment(connector_settings, HUB_CONNECTOR__KEYS_DIR=str(partnership.keys))
    command = [sys.executable, "-m", "hub.cli.main", "connector", "run", "police", "-i", str(big)]
    victim = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    outbox = connector_settings.state_dir / "connectors" / "police" / "outbox.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _stored_position(outbox) < 2000:
        time.sleep(0.01)
    encoders = children(victim.pid)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    assert 2000 <= _stored_position(outbox) < len(copies), "not killed mid-run"
    assert encoders, "the connector runs no encoder process"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not all(map(ended, encoders)):
        time.sleep(0.05)
    assert all(map(ended, encoders)), "the encoder process outlived its killed connector"

    resumed = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]

    assert victim.returncode == -signal.SIGKILL, "the connector finished before it was killed"
    published = _published(connector_settings, "police")
    ids = [h["ce_id"] for _, h in published]
    bad = sum(1 for r in partnership.bad_rows() if r["partner"] == "police")
    assert len(ids) == len(set(ids)), "an event was published twice"
    assert len(set(ids)) == len(rows) - bad, "an event is missing"


def _stored_position(outbox: Path) -> int:
    """The input row up to which the connector has stored its work (read while it runs)."""
    if not outbox.exists():
        return 0
    with closing(sqlite3.connect(f"file:{outbox}?mode=ro", uri=True, timeout=10)) as db:
        try:
            (row,) = db.execute("SELECT coalesce(max(last_row), 0) FROM inputs").fetchone()
        except sqlite3.OperationalError:  # its tables are not created yet
            return 0
    return int(row)


def test_unsound_file_is_refused_whole_and_named(
    connector_settings: HubSettings, tmp_path: Path
) -> None:
    broken = tmp_path / "police_broken.csv"
    broken.write_text("RecordRef,Surname\nCR/1,Smith\n")
    run = _run(connector_settings, "police", broken)
    assert run.summary.published == 0
    assert len(run.summary.files_refused) == 1
    assert "police_broken.csv: wrong columns" in run.summary.files_refused[0]
    assert _published(connector_settings, "police") == []
