"""Settings: one object, env over file over defaults, secrets masked, errors that say what."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import load_settings, masked_dump
from hub.errors import ConfigurationError


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("HUB_"):
            monkeypatch.delenv(key)


def test_defaults_point_at_the_local_broker() -> None:
    settings = load_settings()
    assert settings.bootstrap_servers == "127.0.0.1:19092"
    assert settings.kafka.replication_factor == 1


def test_nested_environment_variables_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_BROKER__PORT", "29092")
    assert load_settings().bootstrap_servers == "127.0.0.1:29092"
    monkeypatch.setenv("HUB_KAFKA__BOOTSTRAP_SERVERS", "k1:9092,k2:9092")
    assert load_settings().bootstrap_servers == "k1:9092,k2:9092"


def test_toml_file_is_read_and_environment_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "hub.toml"
    config.write_text('topic_prefix = "city."\n[broker]\nheap = "1g"\nport = 30000\n')
    monkeypatch.setenv("HUB_BROKER__PORT", "30001")
    settings = load_settings(config)
    assert (settings.topic_prefix, settings.broker.heap, settings.broker.port) == (
        "city.",
        "1g",
        30001,
    )


def test_missing_config_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"nope\.toml does not exist"):
        load_settings(tmp_path / "nope.toml")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"broker": {"port": 5000, "controller_port": 5000}}, "must differ"),
        ({"kafka": {"security_protocol": "SASL_SSL"}}, "SASL needs"),
        ({"kafka": {"replication_factor": 1, "min_insync_replicas": 2}}, "cannot exceed"),
        ({"broker": {"heap": "lots"}}, r"broker\.heap"),
        ({"brokr": {}}, "brokr"),
    ],
)
def test_invalid_settings_name_the_setting(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings(**overrides)


def test_secrets_are_masked_in_the_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_KAFKA__SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("HUB_KAFKA__SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("HUB_KAFKA__SASL_USERNAME", "hub")
    monkeypatch.setenv("HUB_KAFKA__SASL_PASSWORD", "hunter2-not-real")
    settings = load_settings()
    dumped = masked_dump(settings)
    assert dumped["kafka"]["sasl_password"] == "**********"
    assert "hunter2-not-real" not in repr(settings) + str(dumped)
    assert settings.kafka.sasl_password is not None
    assert settings.kafka.sasl_password.get_secret_value() == "hunter2-not-real"
