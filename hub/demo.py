"""The local demo's steps: a synthetic partnership published through all five connectors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hub.config import HubSettings
from hub.connectors.pipeline import RunSummary
from hub.connectors.runner import ConnectorRun
from hub.contracts.codec import Codec
from hub.kafka.client import kafka_python_config
from hub.kafka.topics import PARTNERS, topic_name
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership

#: Partner id -> the folder of its synthetic export.
EXPORT_FOLDERS = {
    "police": "police",
    "ed": "ed",
    "prison": "prisons",
    "school": "schools",
    "yjs": "youth_justice",
}


@dataclass(frozen=True)
class PartnerResult:
    partner: str
    summary: RunSummary
    quarantine: Path
    on_kafka: int


def ensure_keys(settings: HubSettings) -> bool:
    """A key set for the demo partnership; True if it was created now."""
    keys = Path(settings.connector.keys_dir)
    if (keys / "linkage.json").exists():
        return False
    generate_partnership(keys, list(PARTNERS), [settings.connector.recipient])
    return True


def synthesise(out: Path, people: int, bad_rows: int) -> dict[str, object]:
    return generate(SynthParams(people=people, bad_rows=bad_rows), out, force=True)


def publish_all(settings: HubSettings, exports: Path) -> list[PartnerResult]:
    results = []
    for partner in PARTNERS:  # each partner's connector is its own process in production
        run = ConnectorRun(settings, partner)
        try:
            run.recover()
            run.run_paths([exports / EXPORT_FOLDERS[partner]])
            run.drain(60)
        finally:
            run.close()
        results.append(
            PartnerResult(
                partner, run.summary, run.quarantine.path, count_decodable(settings, partner)
            )
        )
    return results


def count_decodable(settings: HubSettings, partner: str) -> int:
    """Events on the partner's topic that decode under a shipped schema."""
    from kafka import KafkaConsumer

    codec = Codec()
    consumer = KafkaConsumer(
        topic_name(f"src.{partner}", settings.topic_prefix),
        **kafka_python_config(settings),
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
    )
    try:
        return sum(1 for message in consumer if codec.decode(message.value))
    finally:
        consumer.close()
