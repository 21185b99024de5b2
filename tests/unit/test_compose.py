"""docker-compose.yml, checked statically: no Docker engine runs here or in CI.

The compose Kafka must behave like the project's own broker (hub/kafka/properties.py), use the
Kafka version the pom resolves, and every file, port and address it names must line up.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.config import BrokerSettings
from hub.kafka.jars import DEFAULT_POM
from hub.kafka.properties import server_properties

REPO = Path(__file__).resolve().parents[2]
# Addresses and paths differ by design between a container and a loopback broker.
_PER_HOST = {
    "listeners",
    "advertised.listeners",
    "controller.quorum.voters",
    "log.dirs",
    "listener.security.protocol.map",
    "inter.broker.listener.name",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def _kafka_env(compose: dict[str, Any]) -> dict[str, str]:
    env = compose["services"]["kafka"]["environment"]
    return {k[len("KAFKA_") :].lower().replace("_", "."): str(v) for k, v in env.items()}


def test_the_four_services_are_there(compose: dict[str, Any]) -> None:
    assert {"kafka", "hub", "prometheus", "grafana"} <= set(compose["services"])


def test_kafka_image_matches_the_pom_version(compose: dict[str, Any]) -> None:
    version = re.search(r"<kafka.version>([^<]+)<", DEFAULT_POM.read_text())
    assert version is not None
    assert compose["services"]["kafka"]["image"] == f"apache/kafka:{version[1]}"


def test_kafka_settings_match_the_local_broker(compose: dict[str, Any]) -> None:
    local = server_properties(BrokerSettings(), Path("/unused"))
    in_compose = _kafka_env(compose)
    shared = (set(local) & set(in_compose)) - _PER_HOST
    assert {
        "auto.create.topics.enable",
        "unclean.leader.election.enable",
        "process.roles",
        "min.insync.replicas",
    } <= shared
    mismatched = {k: (in_compose[k], local[k]) for k in shared if in_compose[k] != local[k]}
    assert mismatched == {}
    missing = (
        set(local)
        - set(in_compose)
        - _PER_HOST
        - {
            "node.id",
            "controlled.shutdown.enable",
            "log.segment.bytes",
            "offsets.retention.minutes",
        }
    )
    assert missing == set(), f"compose lacks local broker settings: {sorted(missing)}"


def test_listeners_ports_and_addresses_line_up(compose: dict[str, Any]) -> None:
    env = _kafka_env(compose)
    listeners = dict(re.findall(r"(\w+)://[^:]*:(\d+)", env["listeners"]))
    assert env["controller.quorum.voters"].endswith(":" + listeners["CONTROLLER"])
    published = [p.split(":")[-1] for p in compose["services"]["kafka"]["ports"]]
    assert set(published) <= set(listeners.values())
    hub_bootstrap = compose["services"]["hub"]["environment"]["HUB_KAFKA__BOOTSTRAP_SERVERS"]
    assert hub_bootstrap == f"kafka:{listeners['INTERNAL']}"
    assert env["inter.broker.listener.name"] in listeners


def test_mounted_files_exist(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), f"{source} is mounted but missing"
    assert (REPO / "Dockerfile").is_file()


def test_prometheus_config_parses_and_targets_known_hosts(compose: dict[str, Any]) -> None:
    config = yaml.safe_load((REPO / "deploy/prometheus/prometheus.yml").read_text())
    hosts = set(compose["services"]) | {"localhost"}
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                assert target.split(":")[0] in hosts, f"{job['job_name']}: unknown {target}"
