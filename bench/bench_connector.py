"""One connector process's throughput against the project's own broker.

Validation, pseudonymisation, sealing, Avro encoding, the durable outbox and acknowledged
Kafka writes are all included. Starts its own broker on free ports in a temporary folder.

    .venv/bin/python bench/bench_connector.py [--people 60000] [--partner police] [--runs 1]

    .venv/bin/python bench/bench_connector.py --in-process  # encoding on the main thread

The broker is first warmed up by one unmeasured run to topics of their own (a broker in
service is warm). Besides the wall-clock rate, prints the CPU time per row of each thread of
the connector process (sampled from /proc/self/task, so threads that end mid-run are counted
too), of its encoder process (``connector.encoder_process``, on by default) and of the
broker's JVM: CPU per row is what a busy, shared machine does not distort much.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from hub.config import load_settings
from hub.connectors.runner import ConnectorRun
from hub.kafka.admin import apply_catalogue
from hub.kafka.local import LocalBroker, free_port
from hub.synth.exports import FOLDER_OF_PARTNER
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership

_TICK = os.sysconf("SC_CLK_TCK")


def one_file(folder: Path, out: Path) -> int:
    files = sorted(p for p in folder.iterdir() if p.is_file())
    with out.open("w") as sink:
        for n, path in enumerate(files):
            lines = path.read_text().splitlines(keepends=True)
            sink.writelines(lines if (n == 0 or path.suffix == ".jsonl") else lines[1:])
    return sum(1 for _ in out.open()) - (1 if out.suffix == ".csv" else 0)


def _cpu_s(stat_path: str) -> tuple[str, float]:
    """(thread name, user + system CPU seconds) from a /proc stat file (read at the start
    and end of a run only, in this process)."""
    fd = os.open(stat_path, os.O_RDONLY)
    try:
        text = os.read(fd, 4096).decode()
    finally:
        os.close(fd)
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return name, (int(fields[11]) + int(fields[12])) / _TICK


# The sampler runs in a process of its own: a sampling thread in the connector's process
# would take the GIL back after every read of /proc, and each time the main thread would
# have to hand it over (measured: ~100 extra sleeps per 1,000 rows at 20 ms, ~10% of the
# published rate). It prints {tid: [name, cpu seconds]}, last seen, when its stdin closes.
_SAMPLER = """
import json, os, select, sys
pid, every_s = sys.argv[1], float(sys.argv[2])
tick = os.sysconf("SC_CLK_TCK")
last = {}
def sample():
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                text = f.read()
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = text[text.rindex(")") + 2 :].split()
        name = text[text.index("(") + 1 : text.rindex(")")]
        last[tid] = [name, (int(fields[11]) + int(fields[12])) / tick]
while not select.select([sys.stdin], [], [], every_s)[0]:
    sample()
sample()
print(json.dumps(last))
"""


class ThreadCpu:
    """Samples the CPU time of every thread of this process (from another process) and of
    the broker while running."""

    def __init__(self, broker_pid: int | None, every_s: float) -> None:
        self.broker_pid = broker_pid
        self.every_s = every_s
        self._start: dict[int, float] = {}
        self._last: dict[int, tuple[str, float]] = {}
        self._broker = (0.0, 0.0)
        self._sampler: subprocess.Popen[str] | None = None

    def __enter__(self) -> ThreadCpu:
        self._process = (_cpu_s("/proc/self/stat")[1], 0.0)
        self._start = {tid: cpu for tid, (_n, cpu) in self._tasks().items()}
        self._broker = (self._broker_cpu(), 0.0)
        self._sampler = subprocess.Popen(
            [sys.executable, "-c", _SAMPLER, str(os.getpid()), str(self.every_s)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._sampler is not None
        out, _ = self._sampler.communicate("stop\n", timeout=30)
        self._last = {int(tid): (name, cpu) for tid, (name, cpu) in json.loads(out).items()}
        self._last.update(self._tasks())  # the threads still alive, read last
        self._process = (self._process[0], _cpu_s("/proc/self/stat")[1])
        self._broker = (self._broker[0], self._broker_cpu())

    @staticmethod
    def _tasks() -> dict[int, tuple[str, float]]:
        found = {}
        for tid in os.listdir("/proc/self/task"):
            try:
                found[int(tid)] = _cpu_s(f"/proc/self/task/{tid}/stat")
            except (FileNotFoundError, ProcessLookupError, ValueError):
                continue
        return found

    def _broker_cpu(self) -> float:
        if self.broker_pid is None:
            return 0.0
        return _cpu_s(f"/proc/{self.broker_pid}/stat")[1]

    def process(self, names: dict[int, str]) -> float:
        """CPU seconds of the whole process (threads that have ended included, exactly),
        less the bench's own sampling threads."""
        own = sum(
            cpu - self._start.get(tid, 0.0)
            for tid, (_comm, cpu) in self._last.items()
            if names.get(tid) == "bench-namer"
        )
        return self._process[1] - self._process[0] - own

    def per_thread(self, names: dict[int, str]) -> dict[str, float]:
        """CPU seconds used during the run, per thread role (a thread that ended between two
        samples misses what it used after the last one)."""
        used: dict[str, float] = defaultdict(float)
        for tid, (comm, cpu) in self._last.items():
            if names.get(tid) == "bench-namer":
                continue
            spent = cpu - self._start.get(tid, 0.0)
            if spent > 0:
                used[names.get(tid, comm)] += spent
        used["broker JVM"] = self._broker[1] - self._broker[0]
        return dict(used)


def _schedstat(tid: int) -> tuple[float, float]:
    """(seconds on a CPU, seconds runnable but waiting for a CPU) of one of our threads."""
    on_cpu, waiting, _slices = Path(f"/proc/self/task/{tid}/schedstat").read_text().split()
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def _switches(tid: int) -> int:
    """Times one of our threads gave up its CPU to sleep (for the GIL, a queue, I/O)."""
    for line in Path(f"/proc/self/task/{tid}/status").read_text().splitlines():
        if line.startswith("voluntary_ctxt_switches:"):
            return int(line.split()[1])
    return 0


def _thread_names() -> dict[int, str]:
    return {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}


class _Namer:
    """Remembers the name of every Python thread that runs during the measurement."""

    def __init__(self, every_s: float) -> None:
        self.every_s = every_s
        self.names: dict[int, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-namer", daemon=True)

    def __enter__(self) -> _Namer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.names.update(_thread_names())

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.names.update(_thread_names())


class _EncoderCpu:
    """CPU seconds of the connector's encoder process between now and ``stop``."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.seconds = 0.0
        self._start = self._cpu()

    def _cpu(self) -> float:
        return 0.0 if self.pid is None else _cpu_s(f"/proc/{self.pid}/stat")[1]

    def stop(self) -> None:
        self.seconds = self._cpu() - self._start


def _warm_up(
    broker: LocalBroker, work: Path, partner: str, source: Path, encoder_process: bool
) -> None:
    """One unmeasured publish to topics of their own: a broker in service has long since
    compiled its hot paths, a fresh JVM compiles them during the first run (the broker's CPU
    per row in a first run measured about twice that of later runs)."""
    settings = load_settings(
        broker=broker.settings,
        state_dir=work / "state-warm-up",
        topic_prefix="warm-up.",
        connector={"keys_dir": work / "keys", "encoder_process": encoder_process},
    )
    apply_catalogue(settings)
    run = ConnectorRun(settings, partner)
    try:
        run.run_paths([source])
        run.drain(60)
    finally:
        run.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=60_000)
    parser.add_argument("--partner", default="police", choices=sorted(FOLDER_OF_PARTNER))
    parser.add_argument("--runs", type=int, default=1, help="published runs (fresh state each)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (input, keys)")
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="encode on the connector's main thread (connector.encoder_process false)",
    )
    parser.add_argument(
        "--sample-ms",
        type=int,
        default=50,
        help="how often another process samples this one's threads' CPU",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-connector-"))
    generate(SynthParams(people=args.people, seed=3), work / "synth")
    suffix = ".csv" if args.partner in ("police", "prison", "school") else ".jsonl"
    source = work / f"input{suffix}"
    rows = one_file(work / "synth" / "exports" / FOLDER_OF_PARTNER[args.partner], source)
    generate_partnership(work / "keys", list(FOLDER_OF_PARTNER), ["panels"])
    broker = LocalBroker(
        load_settings(
            broker={"port": free_port(), "controller_port": free_port(), "data_dir": work / "kafka"}
        ).broker
    )
    broker.up(tie_to_parent=True, echo=False)
    try:
        _warm_up(broker, work, args.partner, source, not args.in_process)
        for n, dry_run in enumerate([True] + [False] * args.runs):
            settings = load_settings(
                broker=broker.settings,
                state_dir=work / f"state-{n}",
                connector={"keys_dir": work / "keys", "encoder_process": not args.in_process},
            )
            apply_catalogue(settings)
            run = ConnectorRun(settings, args.partner, dry_run=dry_run)
            encoder = _EncoderCpu(getattr(run.source, "pid", None))
            main_tid = threading.get_native_id()
            every_s = args.sample_ms / 1000
            with _Namer(every_s) as namer, ThreadCpu(broker.state().pid, every_s) as cpu:
                started, sched = time.perf_counter(), _schedstat(main_tid)
                slept = _switches(main_tid)
                run.run_paths([source])
                run.drain(60)
                elapsed = time.perf_counter() - started
                encoder.stop()
                on_cpu, queued = (b - a for a, b in zip(sched, _schedstat(main_tid), strict=True))
                slept = _switches(main_tid) - slept
            run.close()
            read = run.summary.read
            label = "dry run (no Kafka, no outbox)" if dry_run else "published, acks=all"
            print(
                f"{args.partner:<7} {label:<32} {read:>8,} rows "
                f"{elapsed:>7.2f} s {read / elapsed:>10,.0f} rows/s "
                f"(published {run.summary.published:,}, quarantined {run.summary.quarantined:,}, "
                f"load average {os.getloadavg()[0]:.1f})"
            )
            used = cpu.per_thread(namer.names)
            process = cpu.process(namer.names)
            if (unseen := process - sum(s for n, s in used.items() if n != "broker JVM")) > 0:
                used["ended between samples"] = unseen
            parts = ", ".join(
                f"{name} {s / read * 1e6:.1f}"
                for name, s in sorted(used.items(), key=lambda item: -item[1])
                if s / read * 1e6 >= 0.5
            )
            print(f"{'':<8}CPU us/row: connector process {process / read * 1e6:.1f} ({parts})")
            if encoder.pid is not None:
                print(
                    f"{'':<8}CPU us/row: encoder process {encoder.seconds / read * 1e6:.1f} "
                    "(reads, validates, pseudonymises, seals, encodes)"
                )
            print(
                f"{'':<8}main thread wall us/row: {elapsed / read * 1e6:.1f} = on a CPU "
                f"{on_cpu / read * 1e6:.1f} + waiting for a CPU {queued / read * 1e6:.1f} + "
                f"asleep (GIL, queues, I/O) {(elapsed - on_cpu - queued) / read * 1e6:.1f} "
                f"in {slept / read * 1000:.0f} sleeps per 1,000 rows"
            )
    finally:
        broker.down()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)  # ~100 MB (200,000 people: ~300 MB)
    print(f"input: {rows:,} rows from a {args.people:,}-person synthetic partnership")
    print("rows/s is wall clock, with the broker and everything else on the machine competing.")
    print("CPU us/row per thread (the encoder process, or MainThread with --in-process, reads,")
    print("validates, pseudonymises, seals, encodes; connector-store writes the outbox; rdk:*")
    print("threads send to Kafka) and of the broker's JVM is steadier than wall clock on a shared")
    print("machine. The main thread's wall time per row splits into running, runnable but without")
    print("a free core (the machine is short of CPU), and asleep (waiting for the encoder")
    print("process's next batch, or with --in-process mostly for the GIL held by another thread).")


if __name__ == "__main__":
    main()
