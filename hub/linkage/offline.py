"""Link a synthetic partnership offline, through the production path, and score it.

Rows go through the connectors' mappings and encoder (pseudonymised exactly as at source),
are decoded like the stream decodes them, and are linked in event-time order by the same
``Linker``; the result is compared with the ground truth the generator wrote.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

from hub.config import ConnectorSettings
from hub.connectors.encoder import SourceEncoder, load_keys
from hub.connectors.mapping import FieldProblem
from hub.connectors.runner import MAPPINGS
from hub.contracts.codec import Codec
from hub.linkage.candidate import candidate
from hub.linkage.evaluate import PairwiseQuality, pairwise
from hub.linkage.linker import LinkCandidate, Linker, LinkerConfig
from hub.synth.exports import FOLDER_OF_PARTNER


def source_events(
    synth: Path, keys: ConnectorSettings
) -> Iterator[tuple[str, str, str, LinkCandidate]]:
    """(occurred ISO time, export folder, record ref, candidate) for every valid row."""
    codec = Codec()
    for partner, mapping in MAPPINGS.items():
        encoder = SourceEncoder(mapping, load_keys(keys, partner), [])
        for path in sorted((synth / "exports" / FOLDER_OF_PARTNER[partner]).iterdir()):
            rows = (
                csv.DictReader(path.open())
                if path.suffix == ".csv"
                else (json.loads(line) for line in path.open() if line.strip())
            )
            for row in rows:
                try:
                    record = mapping.map_row(row)
                except FieldProblem:
                    continue
                _, event = codec.decode(encoder.encode(record).value)
                yield (
                    record.occurred_at.isoformat(),
                    FOLDER_OF_PARTNER[partner],
                    record.record_ref,
                    candidate(event),
                )


def evaluate_linkage(
    synth: Path, keys: ConnectorSettings, config: LinkerConfig | None = None
) -> tuple[PairwiseQuality, dict[str, int]]:
    events = sorted(source_events(synth, keys), key=lambda e: e[0])
    linker = Linker({}, config)
    predicted: dict[str, str] = {}
    methods: dict[str, int] = {}
    for _, folder, ref, event in events:
        decision = linker.link(event)
        predicted[f"{folder}/{ref}"] = decision.person_id
        methods[decision.method] = methods.get(decision.method, 0) + 1
    final = {record: _resolve(linker, pid) for record, pid in predicted.items()}
    with (synth / "truth" / "records.csv").open() as handle:
        truth = {
            f"{r['partner']}/{r['record_ref']}": r["person_id"] for r in csv.DictReader(handle)
        }
    return pairwise(final, truth), methods


def _resolve(linker: Linker, person_id: str) -> str:
    from hub.linkage.store import resolve

    return resolve(linker.store, person_id)
