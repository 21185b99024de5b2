"""Indicator events from a synthetic partnership without a broker, through production code.

Each valid export row is mapped, pseudonymised and encoded by the partner's connector code
(as ``hub.linkage.offline`` does), decoded, linked in event-time order by the same
``Linker`` the worker runs, and reduced to the facts (``hub.rules.facts``) a ``LinkedEvent``
carries: what ``hub worker`` writes to ``linked.events``, short of Kafka. Person ids are
resolved through merges at the end, as a reader of ``person.merges`` would.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from hub.config import ConnectorSettings
from hub.connectors.encoder import SourceEncoder, load_keys
from hub.connectors.mapping import FieldProblem
from hub.connectors.runner import MAPPINGS
from hub.contracts.codec import Codec
from hub.indicators.events import IndicatorEvent, deduplicated, from_linked
from hub.linkage.candidate import candidate
from hub.linkage.linker import Linker
from hub.linkage.store import resolve
from hub.rules.facts import facts
from hub.synth.exports import FOLDER_OF_PARTNER


def linked_events(
    synth: Path, keys: ConnectorSettings, refused: Counter[str] | None = None
) -> list[IndicatorEvent]:
    """Every valid source record of the partnership as a linked indicator event.

    Rows the connector would quarantine are left out and counted per partner in ``refused``.
    """
    codec = Codec()
    linker = Linker({})
    out = []
    refused = Counter() if refused is None else refused
    for _, value in sorted(_encoded(synth, keys, refused), key=lambda e: e[0]):
        schema, event = codec.decode(value)
        decision = linker.link(candidate(event))
        envelope = event["envelope"]
        linked = {
            "person_id": decision.person_id,
            "partner": envelope["partner"],
            "source_record_ref": envelope["source_record_ref"],
            "facts": facts(schema, event),
        }
        out.append(from_linked(linked))
    return deduplicated(out, lambda pid: resolve(linker.store, pid))


def _encoded(
    synth: Path, keys: ConnectorSettings, refused: Counter[str]
) -> Iterator[tuple[str, bytes]]:
    """(occurred ISO time, encoded source event) for every row the connector accepts."""
    for partner, mapping in MAPPINGS.items():
        encoder = SourceEncoder(mapping, load_keys(keys, partner), [])
        for path in sorted((synth / "exports" / FOLDER_OF_PARTNER[partner]).iterdir()):
            with path.open(newline="", encoding="utf-8") as handle:
                rows = (
                    csv.DictReader(handle)
                    if path.suffix == ".csv"
                    else (json.loads(line) for line in handle if line.strip())
                )
                for row in rows:
                    try:
                        record = mapping.map_row(row)
                    except FieldProblem:
                        refused[partner] += 1  # the connector quarantines it: never linked
                        continue
                    yield record.occurred_at.isoformat(), encoder.encode(record).value
