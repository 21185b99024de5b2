"""Make the cluster match the topic catalogue, without ever destroying data.

`apply` creates what is missing and reports drift (partition counts, settings) for a human to
decide; it never deletes a topic, lowers partitions or rewrites settings of an existing topic.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from hub.config import HubSettings
from hub.errors import SourceUnavailableError
from hub.kafka.client import kafka_python_config
from hub.kafka.topics import TopicSpec, catalogue

log = logging.getLogger(__name__)

Status = Literal["created", "ok", "drift"]


@dataclass(frozen=True)
class TopicReport:
    name: str
    status: Status
    details: tuple[str, ...] = ()


def _hint(settings: HubSettings) -> str:
    kafka = settings.kafka
    if kafka.security_protocol.startswith("SASL"):
        # A broker closes the connection on failed SASL authentication: it looks like an outage.
        return (
            f"is the broker up, and are the SASL credentials right? kafka.sasl_username "
            f"{kafka.sasl_username!r} with mechanism {kafka.sasl_mechanism}"
        )
    if kafka.bootstrap_servers:
        return "is the cluster up and reachable from here?"
    return "is the broker up? `hub kafka up`"


@contextmanager
def admin_client(settings: HubSettings) -> Iterator[Any]:
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        client = KafkaAdminClient(**kafka_python_config(settings))
    except KafkaError as exc:
        raise SourceUnavailableError(
            f"cannot reach Kafka at {settings.bootstrap_servers}: {exc} ({_hint(settings)})"
        ) from exc
    try:
        yield client
    finally:
        client.close()


def list_topics(settings: HubSettings) -> list[str]:
    with admin_client(settings) as admin:
        return sorted(t for t in admin.list_topics() if not t.startswith("__"))


def apply_catalogue(settings: HubSettings) -> list[TopicReport]:
    """Create missing catalogue topics; report drift of existing ones."""
    from kafka.admin import NewTopic

    specs = catalogue(settings.topic_prefix)
    isr = settings.kafka.min_insync_replicas
    with admin_client(settings) as admin:
        existing = set(admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            admin.create_topics(
                [
                    NewTopic(
                        s.name,
                        s.partitions,
                        settings.kafka.replication_factor,
                        topic_configs=s.configs(isr),
                    )
                    for s in missing
                ]
            )
            _wait_for_leaders(admin, [s.name for s in missing], settings.kafka.request_timeout_s)
        present = [s for s in specs if s.name in existing]
        drift = _drift(admin, present, isr) if present else {}
    reports = [TopicReport(s.name, "created") for s in missing]
    reports += [
        TopicReport(s.name, "drift" if drift.get(s.name) else "ok", tuple(drift.get(s.name, ())))
        for s in present
    ]
    for report in reports:
        if report.status == "drift":
            log.warning("topic %s differs from the catalogue: %s", report.name, report.details)
    return sorted(reports, key=lambda r: r.name)


def _wait_for_leaders(admin: Any, names: list[str], timeout_s: float) -> None:
    """New partitions take a moment to elect a leader; writers should not see that gap."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        topics = admin.describe_topics(names)
        if len(topics) == len(names) and all(_ready(t) for t in topics):
            return
        time.sleep(0.1)
    raise SourceUnavailableError(f"topics {names} have no partition leaders after {timeout_s}s")


def _ready(topic: dict[str, Any]) -> bool:
    partitions = topic.get("partitions") or []
    return (
        topic.get("error_code") == 0
        and bool(partitions)
        and all(p["leader_id"] >= 0 for p in partitions)
    )


def _drift(admin: Any, specs: Sequence[TopicSpec], isr: int) -> dict[str, list[str]]:
    from kafka.admin import ConfigResource, ConfigResourceType

    described = {t["name"]: t for t in admin.describe_topics([s.name for s in specs])}
    configs = admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, s.name) for s in specs]
    ).get("topic", {})
    found: dict[str, list[str]] = {}
    for spec in specs:
        problems = []
        partitions = len(described.get(spec.name, {}).get("partitions", []))
        if partitions != spec.partitions:
            problems.append(f"partitions {partitions}, catalogue says {spec.partitions}")
        actual = configs.get(spec.name, {})
        for key, want in spec.configs(isr).items():
            have = actual.get(key, {}).get("value")
            if have != want:
                problems.append(f"{key}={have}, catalogue says {want}")
        found[spec.name] = problems
    return found
