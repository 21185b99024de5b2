"""Peak memory (RSS) of the worker's link stage holding linkage state for N people.

Builds the real worker app (``hub.streams.worker.build``: the same Faust app, tables, RocksDB
store and options, ``worker.rocksdb``) in this process and drives its link state the way the
link stage does: a ``TableBatch`` over the ``hub-linkage-state`` table and a ``Linker`` on it,
events in batches of ``worker.batch_max_events``, each batch flushed into the table's RocksDB.
It seeds N people (one event each, a local id token, real keyed encodings and blocking keys),
then links ``--queries`` noisy re-sightings of random known people (the fuzzy path: reads all
over the index), and prints the process's peak RSS (VmHWM) and its RSS at the end.

What it leaves out, and why the figure still stands for the worker: Kafka. 1M events through
the broker and both stages take far longer than this machine allows, and the Kafka clients'
buffers are bounded by batch and fetch sizes, not by the population. The changelog records a
flush queues are dropped after each batch instead of sent (the worker sends and then forgets
them), and the rules stage's tables are not filled (they hold timelines, not linkage state).
People are generated from their number, so nothing but the worker's own state grows here.

    .venv/bin/python bench/bench_worker_memory.py --people 1000000
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from hub.config import HubSettings
from hub.linkage.linker import LinkCandidate, Linker
from hub.streams.sender import BatchSender
from hub.streams.state import TableBatch
from hub.streams.worker import LINKAGE_CACHE_ENTRIES, build
from privacy.blocking import BlockingKeyer
from privacy.clk import ClkEncoder
from privacy.keyring import LinkageKeys, Secret

sys.path.insert(0, str(Path(__file__).parent))
from bench_linkage import person, typo  # the same synthetic people


def memory_mb() -> tuple[float, float]:
    """(peak RSS, current RSS) of this process in MB, from /proc/self/status."""
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value
    return int(fields["VmHWM"].split()[0]) / 1024, int(fields["VmRSS"].split()[0]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=20_000)
    parser.add_argument(
        "--cache-entries",
        type=int,
        default=LINKAGE_CACHE_ENTRIES,
        help="keys the link stage's TableBatch keeps in memory (the worker's value by default)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-worker-memory-") as folder:
        settings = HubSettings(state_dir=Path(folder), worker={"metrics_port": None})
        app = build(settings)
        table = app.tables["hub-linkage-state"]
        state = TableBatch(table, lambda _key: 0, cache_entries=args.cache_entries)
        linker = Linker(state)  # as hub.streams.link.LinkStep makes it
        sender = BatchSender(app)
        linkage = LinkageKeys(1, {1: Secret(bytes(range(32)))})
        clk, blocks = ClkEncoder(linkage), BlockingKeyer(linkage)
        batch = settings.worker.batch_max_events
        rocks = settings.worker.rocksdb
        print(
            f"worker.rocksdb: block cache {rocks.block_cache_mb} MB (memtables "
            f"{rocks.memtable_mb} MB within it); TableBatch cache {state.cache_entries:,} keys"
        )
        print(
            f"{'events':>10} {'people':>10} {'us/event':>9} {'peak RSS MB':>12} {'RSS MB':>8} "
            f"{'cache MB':>9} {'memtables MB':>13}"
        )

        def run(events: int, make: object, label: str) -> None:
            started = time.perf_counter()
            for start in range(0, events, batch):
                state.reset()
                for n in range(start, min(start + batch, events)):
                    linker.link(make(n))  # type: ignore[operator]
                state.flush(sender)
                sender.clear()  # the worker sends these to the changelog, then forgets them
            per_event = (time.perf_counter() - started) / max(events, 1) * 1e6
            peak, now = memory_mb()
            db = table.data._db_for_partition(0)
            cache = app.hub_rocksdb.cache.get_usage() / 2**20
            memtables = int(db.property_value("rocksdb.cur-size-all-mem-tables")) / 2**20
            print(
                f"{label:>10} {args.people:>10,} {per_event:>9.0f} {peak:>12,.0f} {now:>8,.0f} "
                f"{cache:>9,.0f} {memtables:>13,.0f}"
            )

        def seed(n: int) -> LinkCandidate:
            attrs = person(random.Random(n))
            keys, local = tuple(blocks.keys(attrs)), (("local", f"L{n}"),)
            return LinkCandidate(f"seed-{n}", "police", local, clk.encode(attrs), keys)

        rng = random.Random(-1)

        def sighting(q: int) -> LinkCandidate:
            n = rng.randrange(args.people)
            attrs = typo(rng, person(random.Random(n)))
            return LinkCandidate(f"q-{q}", "ed", (), clk.encode(attrs), tuple(blocks.keys(attrs)))

        for done in range(0, args.people, 100_000):  # progress, and memory as it grows
            step = min(100_000, args.people - done)
            run(step, lambda n, base=done: seed(base + n), f"{done + step:,}")
        run(args.queries, sighting, "sightings")
        table.data._db_for_partition(0).close()


if __name__ == "__main__":
    main()
