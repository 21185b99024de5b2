"""Sorted runs on disk, merged into month files: exports in time order with bounded memory.

Each chunk's rows, already rendered, are sorted in memory (a chunk is small) and written as
one *run* file per partner. At the end a k-way merge (``heapq.merge``) streams every run
of a partner in time order and splits the stream into ``<prefix>_<yyyymm>`` files. Memory
holds one line per run, whatever the population: that is the streaming guarantee.

A run line is ``sortkey \\t yyyymm \\t bad-kind \\t record-ref \\t payload``; the sort key
(ISO time, reference, version) starts the line, so plain string order is time order.
"""

from __future__ import annotations

import heapq
import shutil
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import IO

from hub.synth.exports import PARTNERS


class Spool:
    """Run files of one generation, under ``folder`` (removed by `merge`)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.runs: dict[str, list[Path]] = {partner: [] for partner in PARTNERS}

    def write_run(self, partner: str, chunk: int, lines: list[str]) -> None:
        if not lines:
            return
        lines.sort()
        path = self.folder / f"{partner}.{chunk:06d}.run"
        with path.open("w", encoding="utf-8", newline="\n") as handle:
            handle.writelines(lines)
        self.runs[partner].append(path)

    def merge(
        self, exports: Path, on_bad: Callable[[str, str, int, int, str, str], None],
        on_row: Callable[[], None] | None = None,
    ) -> dict[str, Counter[str]]:  # fmt: skip
        """Write every partner's month files; report bad rows' coordinates via ``on_bad``."""
        files: dict[str, Counter[str]] = {}
        for partner, runs in self.runs.items():
            module = PARTNERS[partner]
            folder = exports / partner
            folder.mkdir(parents=True, exist_ok=True)
            files[partner] = Counter()
            header = ",".join(module.COLUMNS) + "\n" if module.FORMAT == "csv" else ""
            with ExitStack() as stack:
                sources = [stack.enter_context(path.open(encoding="utf-8")) for path in runs]
                out: IO[str] | None = None
                month, name, row = "", "", 0
                for line in heapq.merge(*sources):
                    _, yyyymm, bad, ref, payload = line.split("\t", 4)
                    if yyyymm != month:
                        if out is not None:
                            out.close()
                        month, row = yyyymm, 0
                        name = module.FILE_PATTERN.format(yyyymm=yyyymm)
                        out = (folder / name).open("w", encoding="utf-8", newline="\n")
                        out.write(header)
                    assert out is not None
                    out.write(payload)
                    row += 1
                    files[partner][name] += 1
                    if bad != "-":
                        on_bad(partner, f"{partner}/{name}", row, row + bool(header), bad, ref)
                    if on_row is not None:
                        on_row()
                if out is not None:
                    out.close()
        shutil.rmtree(self.folder, ignore_errors=True)
        return files
