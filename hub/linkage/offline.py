"""Link a synthetic partnership offline, through the production path, and score it.

Rows go through the connectors' mappings and encoder (pseudonymised exactly as at source),
are decoded like the stream decodes them, and are linked in event-time order by the same
``Linker``; the result is compared with the ground truth the generator wrote.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.config import ConnectorSettings
from hub.connectors.encoder import SourceEncoder, load_keys
from hub.connectors.mapping import FieldProblem
from hub.connectors.runner import MAPPINGS
from hub.contracts.codec import Codec
from hub.linkage.candidate import candidate
from hub.linkage.evaluate import PairwiseQuality, pairwise
from hub.linkage.linker import LinkCandidate, Linker, LinkerConfig
from hub.linkage.store import resolve
from hub.rules.facts import facts
from hub.synth.exports import FOLDER_OF_PARTNER


@dataclass(frozen=True)
class OfflineEvent:
    """One valid export row after the connector's path and the stream's decoding."""

    occurred: str  # ISO date-time of the event: the offline arrival order
    folder: str  # the export folder (the truth files' partner name)
    record_ref: str  # the partner's clear reference (truth side only)
    candidate: LinkCandidate
    partner: str  # the hub's partner id, as the stream sees it
    source_record_ref: str  # the keyed token of the reference, as the stream sees it
    facts: dict[str, Any]  # what the rules see (hub.rules.facts)

    @property
    def record(self) -> str:
        return f"{self.folder}/{self.record_ref}"


def offline_events(synth: Path, keys: ConnectorSettings) -> Iterator[OfflineEvent]:
    """Every valid row of every partner, pseudonymised, encoded and decoded as in production."""
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
                schema, event = codec.decode(encoder.encode(record).value)
                yield OfflineEvent(
                    record.occurred_at.isoformat(),
                    FOLDER_OF_PARTNER[partner],
                    record.record_ref,
                    candidate(event),
                    event["envelope"]["partner"],
                    event["envelope"]["source_record_ref"],
                    facts(schema, event),
                )


def source_events(
    synth: Path, keys: ConnectorSettings
) -> Iterator[tuple[str, str, str, LinkCandidate]]:
    """(occurred ISO time, export folder, record ref, candidate) for every valid row."""
    for e in offline_events(synth, keys):
        yield e.occurred, e.folder, e.record_ref, e.candidate


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
    return resolve(linker.store, person_id)
