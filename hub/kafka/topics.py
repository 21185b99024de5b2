"""The topic catalogue: every topic the hub uses, declared once, created by `hub topics apply`.

Names follow the flow in docs/architecture (``src.<partner>`` -> ``linked.events`` -> ``flags``
-> ``alerts.<panel>``; ``dlq.<stage>`` beside each stage). Nothing creates topics by hand, and
the broker refuses auto-creation, so a typo in a topic name fails loudly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DAY_MS = 24 * 60 * 60 * 1000

PARTNERS: tuple[str, ...] = ("police", "ed", "prison", "school", "yjs")
"""Partner ids: police, emergency department, prisons, schools, Youth Justice service."""

PANELS: tuple[str, ...] = (
    "engage",
    "another-chance",
    "complex-safeguarding",
    "yj-prevention",
    "yj-diversion",
    "shift",
    "ed-navigators",
    "safe-taskforce",
    "iom",
    "transitions",
    "sv-hub",
)
"""Panel families; an area's Engage panel is one key within ``alerts.engage``."""

STAGES: tuple[str, ...] = ("link", "rules", "route", "deliver")
"""Stream stages that dead-letter what they cannot process."""


@dataclass(frozen=True)
class TopicSpec:
    """One topic as the hub needs it; ``configs`` are Kafka topic-level settings."""

    name: str
    partitions: int
    retention_days: int | None
    purpose: str
    compacted: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def configs(self, min_insync_replicas: int) -> dict[str, str]:
        """The settings `apply` creates the topic with and checks for drift."""
        configs = {
            "cleanup.policy": "compact" if self.compacted else "delete",
            "min.insync.replicas": str(min_insync_replicas),
            **self.extra,
        }
        if self.retention_days is not None:
            configs["retention.ms"] = str(self.retention_days * DAY_MS)
        return configs


def catalogue(prefix: str = "") -> tuple[TopicSpec, ...]:
    """All topics; ``prefix`` isolates test runs and side-by-side partnerships."""
    specs = [
        # One partition per source: linkage needs one total order and one global person index
        # (docs/scaling.md). A city's event rate is far below what one partition carries.
        *(
            TopicSpec(f"src.{p}", 1, 30, f"pseudonymised source events from the {p} connector")
            for p in PARTNERS
        ),
        TopicSpec("linked.events", 6, 30, "source events with a person id, keyed by person"),
        TopicSpec("person.merges", 6, None, "person id merges, keyed by merged id", compacted=True),
        TopicSpec("flags", 6, 90, "rule flags with their evidence, keyed by person"),
        *(TopicSpec(f"alerts.{p}", 3, 180, f"alerts routed to the {p} panel") for p in PANELS),
        *(TopicSpec(f"dlq.{s}", 1, 30, f"records the {s} stage could not process") for s in STAGES),
        TopicSpec("canary", 1, 1, "round-trip checks by `hub demo` and operators"),
    ]
    if prefix:
        specs = [
            TopicSpec(
                prefix + s.name, s.partitions, s.retention_days, s.purpose, s.compacted, s.extra
            )
            for s in specs
        ]
    return tuple(specs)


def topic_name(name: str, prefix: str = "") -> str:
    """A catalogue topic's full name; raises KeyError for a name the catalogue lacks."""
    full = prefix + name
    if full not in {spec.name for spec in catalogue(prefix)}:
        raise KeyError(f"{name!r} is not in the topic catalogue")
    return full
