"""The source encoder's memoised pseudonyms are exactly what a fresh encoder computes."""

from __future__ import annotations

import csv
from pathlib import Path

from hub.config import ConnectorSettings
from hub.connectors import police
from hub.connectors.encoder import SourceEncoder, load_keys
from hub.connectors.mapping import FieldProblem, MappedRecord
from hub.contracts.codec import Codec
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership


def _police_records(root: Path) -> list[MappedRecord]:
    generate(SynthParams(people=400, seed=2), root / "synth")
    records = []
    for path in sorted((root / "synth" / "exports" / "police").glob("*.csv")):
        with path.open() as handle:
            for row in csv.DictReader(handle):
                try:
                    records.append(police.map_row(row))
                except FieldProblem:
                    continue
    return records


def test_a_long_lived_encoder_emits_what_a_fresh_one_does(tmp_path: Path) -> None:
    generate_partnership(tmp_path / "keys", ["police"], ["panels"])
    settings = ConnectorSettings(keys_dir=tmp_path / "keys")
    records = _police_records(tmp_path)
    people = {(r.person, r.local_ids) for r in records}
    assert len(people) < len(records)  # people recur, so the memo is exercised
    codec = Codec()
    long_lived = SourceEncoder(police, load_keys(settings, "police"), [])  # type: ignore[arg-type]
    for record in records:
        fresh = SourceEncoder(police, load_keys(settings, "police"), [])  # type: ignore[arg-type]
        _, warm = codec.decode(long_lived.encode(record).value)
        _, cold = codec.decode(fresh.encode(record).value)
        for name in ("tokens", "clk", "blocking_keys", "age_at_event", "home_area"):
            assert warm["identity"][name] == cold["identity"][name], name
        assert warm["crime_ref"] == cold["crime_ref"]
        assert warm["envelope"]["event_id"] == cold["envelope"]["event_id"]


def test_headers_are_the_cloudevent_headers_of_the_event(tmp_path: Path) -> None:
    from hub.contracts.envelope import CloudEvent

    generate_partnership(tmp_path / "keys", ["police"], ["panels"])
    settings = ConnectorSettings(keys_dir=tmp_path / "keys")
    encoder = SourceEncoder(police, load_keys(settings, "police"), [])  # type: ignore[arg-type]
    for record in _police_records(tmp_path)[:20]:
        event = encoder.encode(record)
        _, decoded = Codec().decode(event.value)
        envelope = decoded["envelope"]
        expected = CloudEvent(
            envelope["event_id"],
            "/csp/partner/police",
            f"uk.csp.hub.PoliceCrimeEvent.v{envelope['schema_version']}",
            envelope["produced_at"],
            encoder.schema.fingerprint.hex(),
        ).headers()
        assert event.headers == expected
        assert dict(event.headers)["ce_id"] == event.event_id.encode()


def test_events_written_in_parts_are_the_bytes_the_codec_writes(tmp_path: Path) -> None:
    """Every partner's events: the split writer (person fields pre-encoded) == Codec.encode."""
    from typing import Any

    from hub.connectors.reader import Row, inspect, read_rows
    from hub.connectors.runner import MAPPINGS
    from hub.synth.exports import FOLDER_OF_PARTNER

    generate(SynthParams(people=2000, seed=5), tmp_path / "synth")
    generate_partnership(tmp_path / "keys", list(MAPPINGS), ["panels"])
    settings = ConnectorSettings(keys_dir=tmp_path / "keys")
    codec = Codec()
    checked = 0
    for partner, mapping in MAPPINGS.items():
        encoder = SourceEncoder(mapping, load_keys(settings, partner), [])  # type: ignore[arg-type]
        split = encoder._split
        assert split is not None, partner  # every contract has the shape the split relies on
        written: list[tuple[bytes, dict[str, Any]]] = []

        def spy(
            envelope: dict[str, Any],
            person: bytes,
            rest: dict[str, Any],
            write: Any = split.write,
            written: list[tuple[bytes, dict[str, Any]]] = written,
        ) -> bytes:
            whole = {**rest, "envelope": envelope, "identity": rest}  # fastavro skips extras
            value = write(envelope, person, rest)
            written.append((value, whole))
            return value

        split.write = spy  # type: ignore[method-assign]
        folder = tmp_path / "synth" / "exports" / FOLDER_OF_PARTNER[partner]
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            for row in read_rows(inspect(path), mapping.FORMAT, mapping.COLUMNS):
                if isinstance(row, Row):
                    try:
                        encoder.encode(mapping.map_row(row.fields))
                    except FieldProblem:
                        continue
        assert written, partner
        for value, whole in written:
            assert value == codec.encode(mapping.SCHEMA, whole)
        checked += len(written)
    assert checked > 500


def test_avro_longs_written_by_hand_match_fastavro_small_and_large() -> None:
    from io import BytesIO

    from fastavro import schemaless_writer

    from hub.connectors.encoder import _long

    for n in [*range(-300, 300), 2**31, -(2**31), 1_732_000_000_000, 2**63 - 1, -(2**63)]:
        out = BytesIO()
        schemaless_writer(out, {"type": "long"}, n)
        assert _long(n) == out.getvalue(), n
