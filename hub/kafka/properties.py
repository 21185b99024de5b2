"""The local broker's ``server.properties``, rendered from settings.

Single node, combined broker and controller (KRaft). The choices that matter to the hub:
no auto-created topics (topics come from the catalogue), no unclean leader election, and a
clean shutdown that flushes, so acknowledged writes survive a restart. Replication factor 1 is
fine here and nowhere else: production needs 3 with min.insync.replicas=2 (docs/deployment.md).
"""

from __future__ import annotations

from pathlib import Path

from hub.config import BrokerSettings


def server_properties(broker: BrokerSettings, log_dirs: Path) -> dict[str, str]:
    """Settings for a single-node KRaft broker listening on loopback only."""
    host = broker.host
    return {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{host}:{broker.controller_port}",
        "listeners": f"PLAINTEXT://{host}:{broker.port},CONTROLLER://{host}:{broker.controller_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{broker.port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(log_dirs),
        "auto.create.topics.enable": "false",
        "unclean.leader.election.enable": "false",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "num.partitions": "1",
        "log.retention.hours": "168",
        "log.segment.bytes": str(256 * 1024 * 1024),
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "10",
        "offsets.retention.minutes": str(7 * 24 * 60),
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # One node: there is nobody to wait for before the first rebalance.
        "group.initial.rebalance.delay.ms": "0",
        "controlled.shutdown.enable": "true",
        **_sasl(broker),
    }


def _sasl(broker: BrokerSettings) -> dict[str, str]:
    """A SASL/PLAIN listener beside PLAINTEXT, so clients' security settings are exercised
    against a real broker (production uses SASL_SSL with SCRAM on a real cluster)."""
    if broker.sasl_port is None:
        return {}
    users = " ".join(
        f'user_{name}="{secret.get_secret_value()}"' for name, secret in broker.sasl_users.items()
    )
    host = broker.host
    return {
        "listeners": f"PLAINTEXT://{host}:{broker.port},CONTROLLER://{host}:{broker.controller_port},"
        f"SASL_PLAINTEXT://{host}:{broker.sasl_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{broker.port},"
        f"SASL_PLAINTEXT://{host}:{broker.sasl_port}",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,"
        "SASL_PLAINTEXT:SASL_PLAINTEXT",
        "sasl.enabled.mechanisms": "PLAIN",
        "listener.name.sasl_plaintext.plain.sasl.jaas.config": (
            f"org.apache.kafka.common.security.plain.PlainLoginModule required {users};"
        ),
    }


def render(properties: dict[str, str]) -> str:
    lines = ["# Written by `hub kafka up` from the hub's settings; edits are overwritten."]
    lines += [f"{key}={value}" for key, value in properties.items()]
    return "\n".join(lines) + "\n"
