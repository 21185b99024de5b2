"""The hub's settings: one frozen object, built at the entry point and passed down.

Sources, highest first: keyword arguments, ``HUB_*`` environment variables (nested with
``__``, e.g. ``HUB_BROKER__PORT=29092``), then an optional TOML file. Nothing here reads the
environment at import; :func:`load_settings` does, when called.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from hub.errors import ConfigurationError

_FROZEN = ConfigDict(frozen=True, extra="forbid")


class BrokerSettings(BaseModel):
    """The project's own single-node Kafka (KRaft), for one machine and for the tests."""

    model_config = _FROZEN

    host: str = "127.0.0.1"
    port: int = Field(19092, ge=1, le=65535, description="client (PLAINTEXT) listener port")
    controller_port: int = Field(19093, ge=1, le=65535, description="KRaft controller port")
    data_dir: Path = Field(Path(".hub/kafka"), description="log dirs, pid, broker log")
    pom: Path | None = Field(None, description="Maven pom resolving the broker jars")
    heap: str = Field("512m", pattern=r"^\d+[mg]$", description="JVM -Xmx")
    start_timeout_s: float = Field(90.0, gt=0)
    stop_timeout_s: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _distinct_ports(self) -> BrokerSettings:
        if self.port == self.controller_port:
            raise ValueError("broker.port and broker.controller_port must differ")
        return self


class KafkaSettings(BaseModel):
    """How every hub process reaches Kafka: the local broker by default, any cluster in prod."""

    model_config = _FROZEN

    bootstrap_servers: str | None = Field(
        None, description="host:port[,host:port]; empty means the local broker"
    )
    security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    replication_factor: int = Field(1, ge=1, description="3 in production")
    min_insync_replicas: int = Field(1, ge=1, description="2 in production")
    request_timeout_s: float = Field(30.0, gt=0)

    @model_validator(mode="after")
    def _sasl_complete(self) -> KafkaSettings:
        if self.security_protocol.startswith("SASL") and not (
            self.sasl_mechanism and self.sasl_username and self.sasl_password
        ):
            raise ValueError(
                "SASL needs kafka.sasl_mechanism, kafka.sasl_username and kafka.sasl_password"
            )
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError("kafka.min_insync_replicas cannot exceed kafka.replication_factor")
        return self


class ConnectorSettings(BaseModel):
    """What a partner's connector may send, and with which keys (privacy/README.md)."""

    model_config = _FROZEN

    keys_dir: Path = Field(Path(".hub/keys"), description="linkage.json, signing-<partner>.json")
    recipient: str = Field("panels", description="who sealed identities are encrypted to")
    seal_identity: bool = Field(True, description="send the sealed clear identity at all")
    withhold: dict[str, list[str]] = Field(
        default_factory=dict,
        description="per partner, optional event fields its data-sharing agreement keeps back",
    )
    metrics_port: int | None = Field(None, ge=1, le=65535, description="serve /metrics here")


class RulesSettings(BaseModel):
    """Where the partnership's policy and routing files are (deploy/policy/ by default)."""

    model_config = _FROZEN

    policy_file: Path | None = Field(None, description="rules policy YAML")
    routing_file: Path | None = Field(None, description="routing tree YAML")


class WorkerSettings(BaseModel):
    """The stream worker: its metrics port and how it batches (docs/streams.md)."""

    model_config = _FROZEN

    metrics_port: int | None = Field(
        9110, ge=1, le=65535, description="serve /metrics and /healthz here; None disables"
    )
    metrics_host: str = Field(
        "0.0.0.0",  # noqa: S104 (Prometheus scrapes it from another host or container)
        description="address the metrics server binds",
    )
    batch_max_events: int = Field(2000, ge=1, description="events per batch at most")
    batch_within_s: float = Field(
        0.02, gt=0, le=5, description="how long a batch waits to fill; adds to latency"
    )
    commit_interval_s: float = Field(1.0, gt=0, description="how often offsets are committed")
    sweep_interval_s: float = Field(
        3600.0, gt=0, description="how often time-based rules are checked against the clock"
    )


class HubSettings(BaseSettings):
    """Everything configurable, in one place."""

    model_config = SettingsConfigDict(
        env_prefix="HUB_", env_nested_delimiter="__", frozen=True, extra="forbid"
    )

    broker: BrokerSettings = BrokerSettings()
    kafka: KafkaSettings = KafkaSettings()
    connector: ConnectorSettings = ConnectorSettings()
    rules: RulesSettings = RulesSettings()
    worker: WorkerSettings = WorkerSettings()
    topic_prefix: str = Field("", pattern=r"^[a-z0-9._-]*$", description="isolates test runs")
    state_dir: Path = Field(Path(".hub"), description="local state: outboxes, checkpoints")

    @property
    def bootstrap_servers(self) -> str:
        """Where clients connect: the configured cluster, or the local broker."""
        return self.kafka.bootstrap_servers or f"{self.broker.host}:{self.broker.port}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = init_settings.init_kwargs.pop("_config_file", None)  # type: ignore[attr-defined]
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


def load_settings(config_file: Path | None = None, **overrides: Any) -> HubSettings:
    """Build the settings once, at an entry point; errors say which setting is wrong."""
    if config_file is not None and not config_file.is_file():
        raise ConfigurationError(f"config file {config_file} does not exist")
    try:
        if config_file is None:
            return HubSettings(**overrides)
        return HubSettings(_config_file=config_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid configuration: {problems}") from exc


def masked_dump(settings: HubSettings) -> dict[str, Any]:
    """The effective configuration for ``hub config show``: secrets shown as '**********'."""
    return settings.model_dump(mode="json")


def child_environment(settings: HubSettings, **extra: str) -> dict[str, str]:
    """The environment that makes a child `hub` process use these settings' Kafka, topic
    prefix and state (the demo's worker, tests' subprocesses)."""
    import os

    return {
        **os.environ,
        "HUB_KAFKA__BOOTSTRAP_SERVERS": settings.bootstrap_servers,
        "HUB_TOPIC_PREFIX": settings.topic_prefix,
        "HUB_STATE_DIR": str(settings.state_dir),
        **extra,
    }
