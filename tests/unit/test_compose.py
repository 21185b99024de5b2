"""docker-compose.yml, checked statically: no Docker engine runs here or in CI.

The compose Kafka must behave like the project's own broker (hub/kafka/properties.py), use the
Kafka version the pom resolves; every hub command must parse against the real CLI with settings
that validate; and every file, port and address it names must line up with Prometheus's
targets.
"""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
import typer
import yaml

from hub.cli.main import app
from hub.config import BrokerSettings, HubSettings
from hub.kafka.jars import DEFAULT_POM
from hub.kafka.properties import server_properties
from hub.kafka.topics import PARTNERS
from hub.synth.exports import FOLDER_OF_PARTNER

REPO = Path(__file__).resolve().parents[2]
IN_A_CONTAINER = "0.0.0.0"  # noqa: S104 - each service listens on its container's network
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


def _hub_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image") == "csp-hub:latest"
    }


def _hub_commands(service: dict[str, Any]) -> list[list[str]]:
    """The `hub ...` invocations of a service, including those inside `sh -c`."""
    command = service["command"]
    if command[:2] != ["sh", "-c"]:
        return [command]
    parts = re.split(r"\|\||&&|;", command[2])
    return [shlex.split(part) for part in parts if shlex.split(part)[:1] == ["hub"]]


def _settings(service: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> HubSettings:
    for name in [n for n in os.environ if n.startswith("HUB_")]:
        monkeypatch.delenv(name)
    for name, value in service["environment"].items():
        monkeypatch.setenv(name, str(value))
    return HubSettings()


def test_the_whole_stack_is_there(compose: dict[str, Any]) -> None:
    expected = {"kafka", "init", "synth", "worker", "delivery", "inbox", "prometheus", "grafana"}
    expected |= {f"connector-{p}" for p in PARTNERS}
    assert expected <= set(compose["services"])


def test_every_hub_command_parses_against_the_cli(compose: dict[str, Any]) -> None:
    cli = typer.main.get_command(app)
    for name, service in _hub_services(compose).items():
        commands = _hub_commands(service)
        assert commands, f"{name} runs no hub command"
        for argv in commands:
            group: click.Command = cli
            args = argv[1:]
            while isinstance(group, click.Group):
                sub = group.get_command(click.Context(group), args[0])
                assert sub is not None, f"{name}: no command {args[0]!r} in {argv}"
                group, args = sub, args[1:]
            group.make_context(argv[0], list(args))  # raises on an unknown option


def test_every_hub_service_has_valid_settings(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for service in _hub_services(compose).values():
        settings = _settings(service, monkeypatch)
        assert settings.bootstrap_servers == "kafka:9092"
        assert str(settings.state_dir) == "/var/lib/hub"
        assert settings.connector.keys_dir == settings.inbox.keys_dir


def test_connectors_watch_the_synthetic_exports(compose: dict[str, Any]) -> None:
    synth = compose["services"]["synth"]["command"][2]
    out = re.search(r"--out (\S+)", synth)
    assert out is not None
    for partner in PARTNERS:
        command = compose["services"][f"connector-{partner}"]["command"]
        assert command[:4] == ["hub", "connector", "run", partner]
        assert command[command.index("--input") + 1] == (
            f"{out[1]}/exports/{FOLDER_OF_PARTNER[partner]}"
        )
        assert "--watch" in command


def test_every_scrape_target_is_served_by_its_service(
    compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = yaml.safe_load((REPO / "deploy/prometheus/prometheus.yml").read_text())
    served: dict[str, tuple[str, int | None]] = {}
    for name, service in _hub_services(compose).items():
        settings = _settings(service, monkeypatch)
        if name.startswith("connector-"):
            served[name] = (settings.connector.metrics_host, settings.connector.metrics_port)
        elif name == "worker":
            served[name] = (settings.worker.metrics_host, settings.worker.metrics_port)
        elif name == "delivery":
            served[name] = (settings.delivery.metrics_host, settings.delivery.metrics_port)
        elif name == "inbox":
            command = service["command"]
            port = int(command[command.index("--port") + 1])
            served[name] = (command[command.index("--host") + 1], port)
    targets = [
        (job["job_name"], target)
        for job in config["scrape_configs"]
        if job["job_name"].startswith("hub-")
        for static in job["static_configs"]
        for target in static["targets"]
    ]
    assert len(targets) == len(served) == len(PARTNERS) + 3
    for job, target in targets:
        host, port = target.split(":")
        assert served.get(host) == (IN_A_CONTAINER, int(port)), f"{job}: nothing serves {target}"


def test_the_image_user_owns_the_state_volume(compose: dict[str, Any]) -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user == ["nobody"]
    assert re.search(r"chown nobody\S* /var/lib/hub", dockerfile)
    for service in _hub_services(compose).values():
        assert "hub-state:/var/lib/hub" in service["volumes"]


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
    for service in _hub_services(compose).values():
        bootstrap = service["environment"]["HUB_KAFKA__BOOTSTRAP_SERVERS"]
        assert bootstrap == f"kafka:{listeners['INTERNAL']}"
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
