"""What `hub status` shows, read from the broker alone: no hub process needs to be running.

Lag is the end offset minus the consumer group's committed offset (the log start when the
group has committed nothing there yet: that is where it would begin). A partner's last event
is the newest Kafka timestamp on ``src.<partner>``; a panel's undelivered alerts are the end
of ``alerts.<panel>`` minus the delivery service's committed offset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.config import HubSettings
from hub.errors import SourceUnavailableError
from hub.kafka.admin import admin_client
from hub.kafka.topics import PANELS, PARTNERS, catalogue

WORKER_GROUP = "hub-worker"
"""The stream worker's Faust app id, which Faust uses as its consumer group (hub.streams)."""
DELIVERY_GROUP = "hub-deliver"
"""The delivery service's consumer group."""


@dataclass(frozen=True)
class Stage:
    name: str
    group: str
    topics: tuple[str, ...]


STAGES: tuple[Stage, ...] = (
    Stage("link", WORKER_GROUP, tuple(f"src.{p}" for p in PARTNERS)),
    Stage("rules", WORKER_GROUP, ("linked.events", "person.merges")),
    Stage("deliver", DELIVERY_GROUP, tuple(f"alerts.{p}" for p in PANELS)),
)


@dataclass(frozen=True)
class Partition:
    """One partition's log: where it starts, where it ends, its newest timestamp (ms)."""

    start: int
    end: int
    newest_ms: int = -1


@dataclass(frozen=True)
class BrokerView:
    bootstrap: str
    cluster_id: str
    version: str
    brokers: int
    controller_id: int


@dataclass(frozen=True)
class TopicView:
    name: str
    partitions: int
    expected_partitions: int
    messages: int
    end_offset: int

    @property
    def missing(self) -> bool:
        return self.partitions == 0


@dataclass(frozen=True)
class StageLag:
    stage: str
    group: str
    group_state: str
    members: int
    end_offset: int
    committed: int
    lag: int
    never_committed: bool


@dataclass(frozen=True)
class PartnerView:
    partner: str
    events: int
    last_event: datetime | None


@dataclass(frozen=True)
class PanelView:
    panel: str
    alerts: int
    undelivered: int
    last_alert: datetime | None
    never_committed: bool


@dataclass(frozen=True)
class Status:
    broker: BrokerView
    topics: tuple[TopicView, ...]
    lags: tuple[StageLag, ...]
    partners: tuple[PartnerView, ...]
    panels: tuple[PanelView, ...]


@dataclass(frozen=True)
class Backlog:
    end: int
    committed: int
    lag: int
    never_committed: bool


def backlog(
    logs: Mapping[tuple[str, int], Partition], committed: Mapping[tuple[str, int], int]
) -> Backlog:
    """Offsets summed over ``logs``' partitions. A partition without a commit counts from its
    log start (where the group would begin); so does a commit below the log start (retention
    deleted those records before the group read them)."""
    lag = 0
    for key, part in logs.items():
        position = max(committed.get(key, part.start), part.start)
        lag += max(part.end - position, 0)
    return Backlog(
        sum(p.end for p in logs.values()),
        sum(committed.get(key, 0) for key in logs),
        lag,
        not any(key in committed for key in logs),
    )


def retained(logs: Mapping[tuple[str, int], Partition]) -> int:
    """Records the partitions still hold."""
    return sum(p.end - p.start for p in logs.values())


def newest(logs: Iterable[Partition]) -> datetime | None:
    """The newest record timestamp of these partitions, or None if they hold nothing."""
    ms = max((p.newest_ms for p in logs), default=-1)
    return datetime.fromtimestamp(ms / 1000, UTC) if ms >= 0 else None


def collect(settings: HubSettings, timeout_s: float = 10.0) -> Status:
    """Read the hub's state from the broker; SourceUnavailableError when it cannot be reached."""
    from kafka.errors import KafkaError

    quick = settings.model_copy(
        update={"kafka": settings.kafka.model_copy(update={"request_timeout_s": timeout_s})}
    )
    prefix = settings.topic_prefix
    groups = sorted({prefix + s.group for s in STAGES})
    specs = catalogue(prefix)
    with admin_client(quick) as admin:
        try:
            broker = _broker_view(admin, settings.bootstrap_servers)
            logs = _logs(admin, [s.name for s in specs])
            committed = _committed(admin, groups)
            states = _group_states(admin, groups)
        except KafkaError as exc:
            raise SourceUnavailableError(
                f"Kafka at {settings.bootstrap_servers} did not answer: {exc}"
            ) from exc

    def of(*topics: str) -> dict[tuple[str, int], Partition]:
        names = {prefix + t for t in topics}
        return {key: part for key, part in logs.items() if key[0] in names}

    topics = tuple(
        TopicView(
            s.name,
            len(of(s.name[len(prefix) :])),
            s.partitions,
            retained(of(s.name[len(prefix) :])),
            sum(p.end for p in of(s.name[len(prefix) :]).values()),
        )
        for s in specs
    )
    lags = []
    for stage in STAGES:
        group = prefix + stage.group
        b = backlog(of(*stage.topics), committed.get(group, {}))
        state, members = states.get(group, ("Dead", 0))
        lags.append(
            StageLag(
                stage.name, group, state, members, b.end, b.committed, b.lag, b.never_committed
            )
        )
    partners = tuple(
        PartnerView(p, retained(of(f"src.{p}")), newest(of(f"src.{p}").values())) for p in PARTNERS
    )
    delivered = committed.get(prefix + DELIVERY_GROUP, {})
    panels = []
    for panel in PANELS:
        panel_logs = of(f"alerts.{panel}")
        b = backlog(panel_logs, delivered)
        panels.append(
            PanelView(
                panel, retained(panel_logs), b.lag, newest(panel_logs.values()), b.never_committed
            )
        )
    return Status(broker, topics, tuple(lags), partners, tuple(panels))


def _broker_view(admin: Any, bootstrap: str) -> BrokerView:
    cluster = admin.describe_cluster()
    brokers = cluster.get("brokers") or []
    version = "unknown"
    if brokers:
        data = admin.get_broker_version_data(brokers[0]["broker_id"])
        version = str(getattr(data, "broker_version_str", None) or data)
    return BrokerView(
        bootstrap, str(cluster.get("cluster_id")), version, len(brokers), cluster["controller_id"]
    )


def _logs(admin: Any, topics: list[str]) -> dict[tuple[str, int], Partition]:
    """Start, end and newest timestamp of every partition of the topics that exist."""
    from kafka import TopicPartition
    from kafka.admin import OffsetSpec

    found = [
        TopicPartition(t["name"], p["partition_index"])
        for t in admin.describe_topics(topics)
        if t.get("error_code") == 0
        for p in t["partitions"]
    ]
    if not found:
        return {}
    start = admin.list_partition_offsets(dict.fromkeys(found, OffsetSpec.EARLIEST))
    end = admin.list_partition_offsets(dict.fromkeys(found, OffsetSpec.LATEST))
    top = admin.list_partition_offsets(dict.fromkeys(found, OffsetSpec.MAX_TIMESTAMP))
    return {
        (tp.topic, tp.partition): Partition(
            start[tp].offset, end[tp].offset, top[tp].timestamp if top[tp].offset >= 0 else -1
        )
        for tp in found
    }


def _committed(admin: Any, groups: list[str]) -> dict[str, dict[tuple[str, int], int]]:
    offsets = admin.list_group_offsets(dict.fromkeys(groups))
    return {
        group: {
            (tp.topic, tp.partition): meta.offset for tp, meta in by_tp.items() if meta.offset >= 0
        }
        for group, by_tp in offsets.items()
    }


def _group_states(admin: Any, groups: list[str]) -> dict[str, tuple[str, int]]:
    """(state, member count) per group; a group the broker does not know is 'Dead'."""
    described = admin.describe_groups(groups)
    return {
        group: (str(info.get("group_state") or "Dead"), len(info.get("members") or []))
        for group, info in described.items()
    }
