"""The local demo's steps: a synthetic partnership published through all five connectors."""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from hub.config import HubSettings, child_environment
from hub.connectors.pipeline import RunSummary
from hub.connectors.runner import ConnectorRun
from hub.contracts.codec import Codec
from hub.errors import SourceUnavailableError
from hub.kafka.client import kafka_python_config
from hub.kafka.snapshot import read_to_end
from hub.kafka.topics import PANELS, PARTNERS, topic_name
from hub.services import Service, Services
from hub.synth.exports import FOLDER_OF_PARTNER
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership


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
            run.run_paths([exports / FOLDER_OF_PARTNER[partner]])
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
    codec = Codec()
    return sum(
        1 for message in read_to_end(settings, f"src.{partner}", 60) if codec.decode(message.value)
    )


def start_worker(settings: HubSettings, **env: str) -> Service:
    """`hub worker` as a lasting background service, so its /metrics stay up after the demo;
    ``env`` adds settings for it (``HUB_WORKER__METRICS_PORT``...)."""
    return Services(settings.state_dir).start(
        "worker",
        [sys.executable, "-m", "hub.cli.main", "worker"],
        child_environment(settings, **env),
        marker="hub.cli.main worker",
    )


def wait_for_rules(
    settings: HubSettings, worker: Service, expected_linked: int, timeout_s: float = 180.0
) -> dict[str, tuple[int, Counter[str]]]:
    """Wait until every published event is linked and the flags stop growing, then return
    alerts per panel family with their rules."""
    services = Services(settings.state_dir)
    deadline = time.monotonic() + timeout_s
    while _count(settings, "linked.events") < expected_linked:
        if services.find(worker.name) is None or time.monotonic() > deadline:
            raise SourceUnavailableError(
                f"the worker did not link every event; see {worker.log_file}"
            )
        time.sleep(2)
    settled, last = 0, -1
    while settled < 3 and time.monotonic() < deadline:  # flags stop growing: rules done
        now = _count(settings, "flags")
        settled = settled + 1 if now == last else 0
        last = now
        time.sleep(1)
    return alerts_by_panel(settings)


def alerts_by_panel(settings: HubSettings) -> dict[str, tuple[int, Counter[str]]]:
    """Per panel family: distinct alerts, and how often each rule appears in them."""
    codec = Codec()
    out: dict[str, tuple[int, Counter[str]]] = {}
    for panel in PANELS:
        seen: set[str] = set()
        rules: Counter[str] = Counter()
        for message in read_to_end(settings, f"alerts.{panel}", 60):
            _, alert = codec.decode(message.value)
            if alert["alert_id"] not in seen:  # redelivery after a restart: same id
                seen.add(alert["alert_id"])
                rules.update(alert["rules"])
        if seen:
            out[panel] = (len(seen), rules)
    return out


def _count(settings: HubSettings, topic: str) -> int:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(**kafka_python_config(settings), enable_auto_commit=False)
    try:
        name = topic_name(topic, settings.topic_prefix)
        parts = [TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()]
        return sum(consumer.end_offsets(parts).values()) if parts else 0
    finally:
        consumer.close()
