"""The encoder child process: the same batches as encoding in-process, and a clean lifecycle."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from hub.config import ConnectorSettings
from hub.connectors.batches import EncodedBatch, InProcessEncoding
from hub.connectors.encoder import SourceEncoder, load_keys
from hub.connectors.encoder_process import EncoderProcess
from hub.connectors.reader import InputRefusedError, inspect
from hub.connectors.runner import MAPPINGS
from hub.contracts.codec import Codec
from hub.errors import ConfigurationError, HubError
from hub.synth.exports import FOLDER_OF_PARTNER
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership
from tests.procfs import ended

REPO = Path(__file__).resolve().parents[3]
TOPIC = "src.test"


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth")
    generate(SynthParams(people=2500, seed=13, bad_rows=3), root)
    generate_partnership(root / "keys", list(MAPPINGS), ["panels"])
    return root


@pytest.fixture(scope="module")
def police_file(synth: Path) -> Path:
    """The police exports three times over in one file: several batches of 1,000 rows."""
    files = sorted((synth / "exports" / FOLDER_OF_PARTNER["police"]).glob("*.csv"))
    header = files[0].read_text().splitlines()[0]
    rows = [line for f in files for line in f.read_text().splitlines()[1:]] * 3
    assert len(rows) > 2000
    big = synth / "police_all.csv"
    big.write_text("\n".join([header, *rows]) + "\n")
    return big


def _settings(synth: Path) -> ConnectorSettings:
    return ConnectorSettings(keys_dir=synth / "keys")


def _comparable(batch: EncodedBatch, codec: Codec) -> tuple[Any, ...]:
    """A batch less what differs between two encodings of the same rows: the time an event
    was produced and its sealed identity (a fresh nonce each time)."""
    events = []
    for event in batch.events:
        _, decoded = codec.decode(event.value)
        decoded["envelope"].pop("produced_at")
        decoded["identity"].pop("sealed")
        headers = [h for h in event.headers if h[0] != "ce_time"]
        events.append((event.event_id, event.topic, event.key, headers, decoded))
    return batch.read, batch.last_row, batch.quarantined, events


def test_the_child_yields_the_batches_the_main_thread_would_for_every_partner(
    synth: Path, police_file: Path
) -> None:
    codec = Codec()
    settings = _settings(synth)
    events = quarantined = 0
    for partner, mapping in MAPPINGS.items():
        inline = InProcessEncoding(
            mapping,  # type: ignore[arg-type]
            SourceEncoder(mapping, load_keys(settings, partner), []),  # type: ignore[arg-type]
            TOPIC,
        )
        child = EncoderProcess(settings, partner, TOPIC)
        try:
            folder = synth / "exports" / FOLDER_OF_PARTNER[partner]
            paths = sorted(p for p in folder.iterdir() if p.is_file())
            jobs = [(inspect(p), 0) for p in paths]
            if partner == "police":  # several batches, and a run resumed part-way
                jobs += [(inspect(police_file), 0), (inspect(police_file), 1200)]
            for file, start_after in jobs:
                from_child = [_comparable(b, codec) for b in child.batches(file, start_after)]
                from_thread = [_comparable(b, codec) for b in inline.batches(file, start_after)]
                assert from_child == from_thread, (partner, file.display, start_after)
                events += sum(len(b[3]) for b in from_child)
                quarantined += sum(len(b[2]) for b in from_child)
        finally:
            child.close()
    assert events > 3000
    assert quarantined >= 5 * 3  # every partner's bad rows came back with their reasons


def test_batches_carry_the_input_position_and_resume_after_it(
    synth: Path, police_file: Path
) -> None:
    child = EncoderProcess(_settings(synth), "police", TOPIC)
    try:
        whole = list(child.batches(inspect(police_file), 0))
        resumed = list(child.batches(inspect(police_file), 1200))
    finally:
        child.close()
    rows = len(police_file.read_text().splitlines()) - 1
    assert [b.last_row for b in whole] == [*range(1000, rows, 1000), rows]
    assert sum(b.read for b in whole) == rows
    assert resumed[0].last_row == 2000
    assert resumed[0].read == 800
    assert sum(b.read for b in resumed) == rows - 1200


def test_a_refused_file_raises_its_reason_and_the_child_takes_the_next(
    synth: Path, police_file: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "police_broken.csv"
    broken.write_text("RecordRef,Surname\nCR/1,Smith\n")
    child = EncoderProcess(_settings(synth), "police", TOPIC)
    try:
        pid = child.pid
        with pytest.raises(InputRefusedError, match=r"police_broken\.csv: wrong columns"):
            list(child.batches(inspect(broken), 0))
        assert sum(b.read for b in child.batches(inspect(police_file), 0)) > 2000
        assert child.pid == pid  # the same child: a refused file is not a fault
    finally:
        child.close()


def test_missing_keys_fail_at_start_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="hub keys generate"):
        EncoderProcess(ConnectorSettings(keys_dir=tmp_path / "no-keys"), "police", TOPIC)


def test_a_caller_that_stops_mid_file_gets_a_fresh_child_and_the_whole_file(
    synth: Path, police_file: Path
) -> None:
    child = EncoderProcess(_settings(synth), "police", TOPIC)
    try:
        first = child.pid
        batches = child.batches(inspect(police_file), 0)
        next(batches)
        batches.close()  # as when storing a batch fails: the rest of the file is not wanted
        assert child.pid is None
        assert ended(first)
        rows = sum(b.read for b in child.batches(inspect(police_file), 0))
        assert rows == len(police_file.read_text().splitlines()) - 1
        assert child.pid not in (None, first)
    finally:
        child.close()


def test_a_child_that_dies_mid_file_is_an_error_naming_the_file(
    synth: Path, police_file: Path
) -> None:
    child = EncoderProcess(_settings(synth), "police", TOPIC)
    try:
        batches = child.batches(inspect(police_file), 0)
        next(batches)
        assert child.pid is not None
        os.kill(child.pid, signal.SIGKILL)
        with pytest.raises(HubError, match=r"ended unexpectedly while encoding police_all\.csv"):
            list(batches)
    finally:
        child.close()


def test_close_ends_the_child(synth: Path) -> None:
    child = EncoderProcess(_settings(synth), "ed", TOPIC)
    pid = child.pid
    child.close()
    assert pid is not None
    assert ended(pid)


def test_the_child_ends_when_its_connector_is_killed(synth: Path) -> None:
    script = (
        "import sys, time\n"
        "from hub.config import ConnectorSettings\n"
        "from hub.connectors.encoder_process import EncoderProcess\n"
        "child = EncoderProcess(ConnectorSettings(keys_dir=sys.argv[1]), 'police', 'src.t')\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    connector = subprocess.Popen(
        [sys.executable, "-c", script, str(synth / "keys")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert connector.stdout is not None
        pid = int(connector.stdout.readline())
        assert not ended(pid)
        connector.kill()
        connector.wait(10)
        deadline = time.monotonic() + 10
        while not ended(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ended(pid), "the encoder process outlived its connector"
    finally:
        connector.kill()
        connector.wait(10)
