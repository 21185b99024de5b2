"""Broker properties and jar resolution, without starting a JVM."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import BrokerSettings
from hub.errors import ConfigurationError
from hub.kafka import jars
from hub.kafka.properties import render, server_properties


def test_properties_keep_the_broker_on_loopback_and_topics_from_the_catalogue() -> None:
    props = server_properties(BrokerSettings(port=1111, controller_port=2222), Path("/d"))
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:1111,CONTROLLER://127.0.0.1:2222"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:2222"
    assert props["auto.create.topics.enable"] == "false"
    assert props["unclean.leader.election.enable"] == "false"
    assert props["process.roles"] == "broker,controller"
    assert "log.dirs=/d\n" in render(props)


def test_a_sasl_listener_is_added_only_when_asked() -> None:
    plain = server_properties(BrokerSettings(port=1111, controller_port=2222), Path("/d"))
    assert "sasl.enabled.mechanisms" not in plain
    settings = BrokerSettings.model_validate(
        {"port": 1111, "controller_port": 2222, "sasl_port": 3333, "sasl_users": {"u1": "pw1"}}
    )
    props = server_properties(settings, Path("/d"))
    assert props["listeners"].endswith(",SASL_PLAINTEXT://127.0.0.1:3333")
    assert "SASL_PLAINTEXT:SASL_PLAINTEXT" in props["listener.security.protocol.map"]
    assert 'user_u1="pw1"' in props["listener.name.sasl_plaintext.plain.sasl.jaas.config"]
    assert "pw1" not in repr(settings)
    with pytest.raises(ValueError, match="needs at least one user"):
        BrokerSettings(port=1111, controller_port=2222, sasl_port=3333)
    with pytest.raises(ValueError, match="must differ"):
        BrokerSettings.model_validate(
            {"port": 1111, "controller_port": 2222, "sasl_port": 1111, "sasl_users": {"u": "p"}}
        )


def test_classpath_parse_finds_the_kafka_version(tmp_path: Path) -> None:
    names = ["kafka_2.13-4.1.1.jar", "kafka-clients-4.1.1.jar", "scala-library-2.13.16.jar"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    parsed = jars._parse(":".join(str(tmp_path / n) for n in names))
    assert parsed is not None
    assert parsed.kafka_version == "4.1.1"
    assert jars._parse(str(tmp_path / "missing.jar")) is None


def test_missing_maven_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigurationError, match="Maven"):
        jars.resolve_classpath(jars.DEFAULT_POM, echo=False)


def test_pom_pins_the_version_the_readme_names() -> None:
    pom = jars.DEFAULT_POM.read_text()
    readme = (jars.DEFAULT_POM.parents[2] / "README.md").read_text()
    assert "<kafka.version>4.1.1</kafka.version>" in pom
    assert "Apache Kafka 4.1.1" in readme
