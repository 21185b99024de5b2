"""Per-event linkage cost as the population grows: blocking keeps it flat, not a scan.

Builds an index of N synthetic people (real keyed encodings and blocking keys), then links
noisy re-sightings of known people (no exact token, so every one takes the fuzzy path) and
reports the median and p99 time per event, and the process's peak memory.

The store is what the worker's table is: JSON values in RocksDB (``--store rocksdb``, the
default; the worker's Faust table is RocksDB-backed and changelogged). ``--store dict``
keeps Python objects in memory (what the offline evaluation uses): faster per lookup, but its
memory and garbage-collector pauses grow with the population, which the worker does not pay.

    .venv/bin/python bench/bench_linkage.py --people 10000 100000 1000000
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import string
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hub.linkage.linker import LinkCandidate, Linker
from hub.linkage.store import SerializedStore
from privacy.blocking import BlockingKeyer
from privacy.clk import ClkEncoder, PersonAttributes
from privacy.keyring import LinkageKeys, Secret

SYLLABLES = [
    "al",
    "an",
    "ar",
    "be",
    "ca",
    "da",
    "el",
    "en",
    "fa",
    "ha",
    "is",
    "ja",
    "ka",
    "la",
    "li",
    "ma",
    "mo",
    "na",
    "ni",
    "ol",
    "ra",
    "ri",
    "sa",
    "se",
    "ta",
    "to",
    "ya",
    "za",
]


def name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def person(rng: random.Random) -> PersonAttributes:
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(60 * 365))
    return PersonAttributes(
        name(rng, rng.choice((2, 3))),
        name(rng, rng.choice((2, 3, 4))),
        born,
        rng.choice("MF"),
        f"ZY{rng.randrange(1, 30)} {rng.randrange(10)}"
        f"{rng.choice(string.ascii_uppercase)}{rng.choice(string.ascii_uppercase)}",
    )


def typo(rng: random.Random, attrs: PersonAttributes) -> PersonAttributes:
    given = attrs.given_name or ""
    i = rng.randrange(1, len(given))
    return PersonAttributes(
        given[:i] + rng.choice(string.ascii_lowercase) + given[i + 1 :],
        attrs.family_name,
        attrs.date_of_birth,
        attrs.sex,
        attrs.postcode,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--store", choices=("rocksdb", "json", "dict"), default="rocksdb")
    parser.add_argument("--block-cache-mb", type=int, default=256)
    args = parser.parse_args()
    linkage = LinkageKeys(1, {1: Secret(bytes(range(32)))})
    clk, blocks = ClkEncoder(linkage), BlockingKeyer(linkage)
    print(f"store: {args.store} (block cache {args.block_cache_mb} MB)")
    print(
        f"{'people':>10} {'build s':>8} {'median us':>10} {'p99 us':>8} {'fuzzy':>6} "
        f"{'peak RSS MB':>12}"
    )
    for size in args.people:
        rng = random.Random(size)
        store, close = open_store(args.store, args.block_cache_mb)
        linker = Linker(store)
        people = []
        started = time.perf_counter()
        for n in range(size):
            attrs = person(rng)
            people.append(attrs)
            linker.link(
                LinkCandidate(
                    f"seed-{n}",
                    "police",
                    (("local", f"L{n}"),),
                    clk.encode(attrs),
                    tuple(blocks.keys(attrs)),
                )
            )
        built = time.perf_counter() - started
        timings, fuzzy = [], 0
        for q in range(args.queries):
            attrs = typo(rng, people[rng.randrange(size)])
            event = LinkCandidate(f"q-{q}", "ed", (), clk.encode(attrs), tuple(blocks.keys(attrs)))
            t0 = time.perf_counter()
            decision = linker.link(event)
            timings.append((time.perf_counter() - t0) * 1e6)
            fuzzy += decision.method == "fuzzy"
        timings.sort()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{size:>10,} {built:>8.1f} {timings[len(timings) // 2]:>10.0f} "
            f"{timings[int(len(timings) * 0.99)]:>8.0f} {fuzzy:>6} {peak:>12,.0f}",
            flush=True,
        )
        del linker, store
        close()


def open_store(kind: str, block_cache_mb: int = 256) -> tuple[Any, Any]:
    """(store, close): a fresh store of the kind asked for, and how to get rid of it."""
    if kind == "dict":
        return {}, lambda: None
    if kind == "json":
        return SerializedStore(), lambda: None
    from rocksdict import BlockBasedOptions, Cache, Options, Rdict

    # As Faust opens a table's RocksDB (faust/stores/rocksdb.py): raw bytes, a bloom filter
    # (most lookups here are misses: unmerged ids, unseen tokens); a smaller block cache than
    # Faust's 2 GB default, which a worker held to 1 GB must set too.
    options = Options(raw_mode=True)
    options.create_if_missing(True)
    table = BlockBasedOptions()
    table.set_bloom_filter(3, block_based=True)
    table.set_block_cache(Cache(block_cache_mb * 1024 * 1024))
    options.set_block_based_table_factory(table)
    folder = Path(tempfile.mkdtemp(prefix="bench-linkage-"))
    db = Rdict(str(folder / "db"), options=options)

    def close() -> None:
        db.close()
        shutil.rmtree(folder, ignore_errors=True)

    return SerializedStore(db), close


if __name__ == "__main__":
    main()
