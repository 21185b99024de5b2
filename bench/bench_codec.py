"""Per-core rates for one source record: pseudonymise + seal + Avro-encode, and decode.

Uses real synthetic police rows (mapped once beforehand, so mapping is not timed), a fresh
key ring, and the shipped schemas.

    .venv/bin/python bench/bench_codec.py [--people 20000]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import tempfile
import time
from pathlib import Path

from hub.config import ConnectorSettings
from hub.connectors import police
from hub.connectors.encoder import SourceEncoder, load_keys
from hub.connectors.mapping import FieldProblem
from hub.contracts.codec import Codec
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=20_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-codec-"))
    generate(SynthParams(people=args.people, seed=5), work / "synth")
    generate_partnership(work / "keys", ["police"], ["panels"])
    mapped = []
    for path in sorted((work / "synth" / "exports" / "police").glob("*.csv")):
        with path.open() as handle:
            for row in csv.DictReader(handle):
                with contextlib.suppress(FieldProblem):
                    mapped.append(police.map_row(row))
    encoder = SourceEncoder(
        police, load_keys(ConnectorSettings(keys_dir=work / "keys"), "police"), []
    )  # type: ignore[arg-type]
    started = time.perf_counter()
    events = [encoder.encode(record) for record in mapped]
    encode_rate = len(mapped) / (time.perf_counter() - started)
    codec = Codec()
    started = time.perf_counter()
    for event in events:
        codec.decode(event.value)
    decode_rate = len(events) / (time.perf_counter() - started)
    print(f"{len(mapped):,} police records from a {args.people:,}-person synthetic partnership")
    print(
        f"pseudonymise + seal + encode one source record: {encode_rate:>9,.0f} records/s (one core)"
    )
    print(
        f"decode one source event (fingerprint lookup):  {decode_rate:>9,.0f} events/s (one core)"
    )


if __name__ == "__main__":
    main()
