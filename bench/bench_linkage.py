"""Per-event linkage cost as the population grows: blocking keeps it flat, not a scan.

Builds an index of N synthetic people (real keyed encodings and blocking keys), then links
noisy re-sightings of known people (no exact token, so every one takes the fuzzy path) and
reports the median and p99 time per event, the CPU time per event, the ratio of each size's
median to the smallest size's, and the process's peak memory.

Every size is measured in the same state: the store as the worker opens it (RocksDB with
hub.streams.rocks' options: bloom filters, one bounded block cache), its memtable flushed and
compacted after the build (so reads come from SST files at every size, never from a memtable
that holds the whole of a small index), then unmeasured re-sightings, ``--queries`` at a time,
until the block cache stops filling (the steady state: what fits is read from the cache, the
rest from files), then ``--queries`` measured ones.

``--store dict`` keeps Python objects in memory (what the offline evaluation uses);
``--store json`` JSON bytes in a dict.

    .venv/bin/python bench/bench_linkage.py --people 10000 100000 1000000 --queries 5000
"""

from __future__ import annotations

import argparse
import functools
import random
import resource
import shutil
import string
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hub.config import RocksDBSettings
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
    parser.add_argument("--block-cache-mb", type=int, default=RocksDBSettings().block_cache_mb)
    args = parser.parse_args()
    linkage = LinkageKeys(1, {1: Secret(bytes(range(32)))})
    clk, blocks = ClkEncoder(linkage), BlockingKeyer(linkage)
    print(f"store: {args.store} (block cache {args.block_cache_mb} MB)")
    print(
        f"{'people':>10} {'build s':>8} {'median us':>10} {'p99 us':>8} {'cpu us':>7} "
        f"{'ratio':>6} {'fuzzy':>6} {'warm-up':>8} {'peak RSS MB':>12}"
    )
    base = None
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
        settle(store)
        built = time.perf_counter() - started

        more = functools.partial(sightings, rng, people, clk, blocks, count=args.queries)
        warmed = warm(linker, store, more)
        timings, fuzzy = [], 0
        measured = sightings(rng, people, clk, blocks, "q", count=args.queries)
        cpu = time.process_time()
        for event in measured:
            t0 = time.perf_counter()
            decision = linker.link(event)
            timings.append((time.perf_counter() - t0) * 1e6)
            fuzzy += decision.method == "fuzzy"
        cpu_us = (time.process_time() - cpu) / len(measured) * 1e6
        timings.sort()
        median = timings[len(timings) // 2]
        base = base or median
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{size:>10,} {built:>8.1f} {median:>10.0f} "
            f"{timings[int(len(timings) * 0.99)]:>8.0f} {cpu_us:>7.0f} {median / base:>6.2f} "
            f"{fuzzy:>6} {warmed:>8,} {peak:>12,.0f}",
            flush=True,
        )
        del linker, store
        close()


def sightings(
    rng: random.Random,
    people: list[PersonAttributes],
    clk: ClkEncoder,
    blocks: BlockingKeyer,
    tag: str,
    *,
    count: int,
) -> list[LinkCandidate]:
    """Noisy re-sightings of known people, with no exact token."""
    out = []
    for q in range(count):
        attrs = typo(rng, people[rng.randrange(len(people))])
        keys = tuple(blocks.keys(attrs))
        out.append(LinkCandidate(f"{tag}-{q}", "ed", (), clk.encode(attrs), keys))
    return out


def warm(linker: Linker, store: Any, batch: Any, rounds: int = 40) -> int:
    """Link unmeasured re-sightings until the block cache stops filling (grows by less than
    2% in a round, or is full): the steady state, where a large index reads from the cache
    what fits and from files what does not. The number of events it took."""
    db = getattr(store, "raw", None)
    usage = (lambda: int(db.property_value("rocksdb.block-cache-usage"))) if db else None
    capacity = int(db.property_value("rocksdb.block-cache-capacity")) if db else 0
    done, before = 0, -1
    for n in range(rounds):
        events = batch(f"warm{n}")
        for event in events:
            linker.link(event)
        done += len(events)
        now = usage() if usage else 0
        if usage is None or now < before * 1.02 or now > capacity * 0.95:
            break
        before = now
    return done


def settle(store: Any) -> None:
    """Flush the memtable, compact, and reopen with an empty block cache, as a restarted
    worker would: every size then reads from SST files alike, and the cache holds only what
    the re-sightings read (not blocks the build read, of files compaction has replaced)."""
    reopen = getattr(store, "reopen", None)
    if reopen is not None:
        store.raw.flush()
        store.raw.compact_range(None, None)
        reopen()


def open_store(kind: str, block_cache_mb: int = 512) -> tuple[Any, Any]:
    """(store, close): a fresh store of the kind asked for, and how to get rid of it."""
    if kind == "dict":
        return {}, lambda: None
    if kind == "json":
        return SerializedStore(), lambda: None
    from hub.streams.rocks import RocksDBResources

    # Exactly as the worker opens a table partition (hub.streams.rocks), with the block cache
    # asked for.
    settings = RocksDBSettings(block_cache_mb=block_cache_mb)
    folder = Path(tempfile.mkdtemp(prefix="bench-linkage-"))
    store = SerializedStore(RocksDBResources(settings).open(folder / "db"))

    def reopen() -> None:
        store.raw.close()  # type: ignore[attr-defined]
        store.raw = RocksDBResources(settings).open(folder / "db")

    def close() -> None:
        store.raw.close()  # type: ignore[attr-defined]
        shutil.rmtree(folder, ignore_errors=True)

    store.reopen = reopen  # type: ignore[attr-defined]
    return store, close


if __name__ == "__main__":
    main()
