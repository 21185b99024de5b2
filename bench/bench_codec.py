"""Per-core rates for one source record: pseudonymise + seal + Avro-encode, and decode.

Uses real synthetic police rows (mapped once beforehand, so mapping is not timed), a fresh
key ring, and the shipped schemas.

    .venv/bin/python bench/bench_codec.py [--people 20000]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import time

from scratch import scratch_folder

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
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    work = scratch_folder("bench-codec-", args.keep)
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
    started, cpu = time.perf_counter(), time.process_time()
    events = [encoder.encode(record) for record in mapped]
    encode_rate = len(mapped) / (time.perf_counter() - started)
    encode_cpu = len(mapped) / (time.process_time() - cpu)
    codec = Codec()
    started, cpu = time.perf_counter(), time.process_time()
    for event in events:
        codec.decode(event.value)
    decode_rate = len(events) / (time.perf_counter() - started)
    decode_cpu = len(events) / (time.process_time() - cpu)
    print(f"{len(mapped):,} police records from a {args.people:,}-person synthetic partnership")
    print("(wall clock; per CPU-second of this process in brackets: the per-core rate on a")
    print(" machine shared with other work)")
    print(
        f"pseudonymise + seal + encode one source record: {encode_rate:>9,.0f} records/s "
        f"({encode_cpu:,.0f}/CPU-s)"
    )
    print(
        f"decode one source event (fingerprint lookup):  {decode_rate:>9,.0f} events/s "
        f"({decode_cpu:,.0f}/CPU-s)"
    )


if __name__ == "__main__":
    main()
