"""Benchmark `hub synth`: people/s, records/s and peak memory for a given population.

    .venv/bin/python bench/bench_synth.py --people 1000000 [--out DIR] [--keep]

Peak memory is the process's maximum resident set size (``ru_maxrss``), which includes the
interpreter; run it under ``/usr/bin/time -v`` for the same figure from outside.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from hub.synth.generator import generate
from hub.synth.params import SynthParams


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bad-rows", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--keep", action="store_true", help="keep the output")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_synth_"))
    params = SynthParams(people=args.people, seed=args.seed, bad_rows=args.bad_rows)
    started = time.perf_counter()
    manifest = generate(params, out, force=True)
    seconds = time.perf_counter() - started
    records = sum(manifest["records"].values())
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    visitors = manifest["people"]["non_residents"]
    print(f"people          {args.people:>12,}  (+{visitors:,} visitors)")
    print(f"records         {records:>12,}  events {manifest['events']:,}")
    print(f"seconds         {seconds:>12.1f}")
    print(f"people/s        {args.people / seconds:>12,.0f}")
    print(f"records/s       {records / seconds:>12,.0f}")
    print(f"output          {size / 1e6:>12,.1f} MB in {out}")
    print(f"peak RSS        {peak_mb:>12,.1f} MB")
    for partner, count in manifest["records"].items():
        print(f"  {partner:<14}{count:>12,}")
    if not args.keep and args.out is None:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
