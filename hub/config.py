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
from hub.kafka.topics import PARTNERS

_FROZEN = ConfigDict(frozen=True, extra="forbid")
DEFAULT_CADENCE_S = 86400.0
"""A partner that sends nothing for a day is worth a look, unless its cadence says otherwise."""


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
    sasl_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="also listen with SASL/PLAIN here (rehearsing a secured cluster)",
    )
    sasl_users: dict[str, SecretStr] = Field(
        default_factory=dict, description="username -> password accepted on sasl_port"
    )

    @model_validator(mode="after")
    def _distinct_ports(self) -> BrokerSettings:
        ports = [self.port, self.controller_port, *([self.sasl_port] if self.sasl_port else [])]
        if len(set(ports)) != len(ports):
            raise ValueError("broker.port, broker.controller_port and broker.sasl_port must differ")
        if self.sasl_port and not self.sasl_users:
            raise ValueError("broker.sasl_port needs at least one user in broker.sasl_users")
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
    metrics_host: str = Field("127.0.0.1", description="0.0.0.0 in a container")
    encoder_process: bool = Field(
        True,
        description="read, validate, pseudonymise and encode in a child process, on a core of "
        "its own while the connector stores and sends; false: all in one process (one core)",
    )
    expected_cadence_s: dict[str, float] = Field(
        default_factory=dict,
        description="per partner, the longest normal gap between exports in seconds "
        f"(default {DEFAULT_CADENCE_S:.0f}); longer silence raises the HubPartnerSilent alert",
    )

    @model_validator(mode="after")
    def _positive_cadences(self) -> ConnectorSettings:
        unknown = set(self.expected_cadence_s) - set(PARTNERS)
        if unknown:
            raise ValueError(f"connector.expected_cadence_s names unknown partners {unknown}")
        bad = {p: s for p, s in self.expected_cadence_s.items() if not s > 0}
        if bad:
            raise ValueError(f"connector.expected_cadence_s must be positive seconds: {bad}")
        return self

    def cadence_for(self, partner: str) -> float:
        """Seconds of silence after which operations should hear about this partner."""
        return self.expected_cadence_s.get(partner, DEFAULT_CADENCE_S)


class RulesSettings(BaseModel):
    """Where the partnership's policy and routing files are (deploy/policy/ by default)."""

    model_config = _FROZEN

    policy_file: Path | None = Field(None, description="rules policy YAML")
    routing_file: Path | None = Field(None, description="routing tree YAML")


class PanelsSettings(BaseModel):
    """Where the panel directory is (deploy/panels/panels.yaml by default)."""

    model_config = _FROZEN

    directory_file: Path | None = Field(None, description="panel directory YAML")


ChannelKind = Literal["webhook", "email", "inbox"]


class DeliverySettings(BaseModel):
    """`hub deliver`: how alerts reach panels (docs/delivery.md). Secrets as SecretStr."""

    model_config = _FROZEN

    metrics_port: int | None = Field(9111, ge=1, le=65535, description="/metrics and /healthz")
    metrics_host: str = Field("127.0.0.1", description="0.0.0.0 in a container")
    group_id: str = Field("hub-deliver", min_length=1, description="Kafka consumer group")
    ledger_file: Path | None = Field(
        None, description="delivery ledger (SQLite); default <state_dir>/delivery/ledger.sqlite"
    )
    concurrency: int = Field(8, ge=1, le=256, description="alerts delivered at once")
    max_attempts: int = Field(6, ge=1, le=100, description="retry budget per alert and channel")
    backoff_base_s: float = Field(1.0, gt=0, description="first backoff ceiling")
    backoff_cap_s: float = Field(60.0, gt=0, description="largest backoff ceiling")
    retry_after_cap_s: float = Field(300.0, gt=0, description="longest Retry-After honoured")
    request_timeout_s: float = Field(10.0, gt=0, description="per HTTP request or SMTP session")
    webhook_cafile: Path | None = Field(
        None, description="CA bundle for webhook receivers (default: the system's CAs)"
    )
    disabled_channels: frozenset[ChannelKind] = Field(
        frozenset(), description="channel kinds this deployment does not deliver to"
    )
    smtp_host: str = "localhost"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_from: str = Field("csp-hub@localhost", min_length=3)
    smtp_starttls: bool = False
    smtp_cafile: Path | None = Field(None, description="CA bundle for the SMTP server's cert")
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    inbox_url: str = Field(
        "http://127.0.0.1:8080", pattern=r"^https?://", description="base of email links"
    )

    @model_validator(mode="after")
    def _login_complete(self) -> DeliverySettings:
        if (self.smtp_user is None) != (self.smtp_password is None):
            raise ValueError("delivery.smtp_user and delivery.smtp_password go together")
        return self


class InboxSettings(BaseModel):
    """The panels' web inbox (docs/inbox.md): its store, identity keys, sessions, lockout."""

    model_config = _FROZEN

    database_url: str = Field(
        "sqlite:///.hub/inbox.db",
        description="SQLAlchemy URL; postgresql+psycopg://... in prod; unset in the hub's "
        "settings, it is <state_dir>/inbox.db",
    )
    keys_dir: Path = Field(
        Path(".hub/keys"),
        description="recipient-<id>.private.json (one per recipient in the directory), "
        "partners.public.json",
    )
    session_idle_s: float = Field(900.0, gt=0, description="sign out after this long idle")
    session_absolute_s: float = Field(8 * 3600.0, gt=0, description="and after this long at all")
    cookie_secure: Literal["auto", "always", "never"] = Field(
        "auto", description="auto: Secure unless the page was asked for on a loopback host"
    )
    max_failures: int = Field(5, ge=1, description="failed sign-ins before a lockout")
    lockout_s: float = Field(900.0, gt=0, description="how long a lockout lasts")
    min_reason_length: int = Field(20, ge=1, description="reason for opening an identity")
    share_related_panels: frozenset[str] = Field(
        frozenset(),
        description="directory panel ids (e.g. iom, engage-{area}) whose members may see which "
        "other panels have alerts about the same person; off for every panel by default",
    )


class RocksDBSettings(BaseModel):
    """Memory of the worker's RocksDB tables, all together (docs/scaling.md). Faust's own
    defaults are per table and per partition (a 2 GB block cache and up to three 64 MB
    memtables each), unbounded for a worker holding 19 of them."""

    model_config = _FROZEN

    block_cache_mb: int = Field(
        512, ge=8, description="one block cache shared by every table; memtables count in it"
    )
    memtable_mb: int = Field(
        128, ge=4, description="memtables of every table together (within the block cache)"
    )
    bloom_bits_per_key: int = Field(10, ge=1, le=32, description="about 1% false positives")
    max_open_files: int = Field(512, ge=16, description="per table partition")


class WorkerSettings(BaseModel):
    """The stream worker: its metrics port and how it batches (docs/streams.md)."""

    model_config = _FROZEN

    metrics_port: int | None = Field(
        9110, ge=1, le=65535, description="serve /metrics and /healthz here; None disables"
    )
    metrics_host: str = Field("127.0.0.1", description="0.0.0.0 in a container")
    batch_max_events: int = Field(2000, ge=1, description="events per batch at most")
    batch_within_s: float = Field(
        0.02, gt=0, le=5, description="how long a batch waits to fill; adds to latency"
    )
    batch_backlog_within_s: float = Field(
        0.25,
        ge=0,
        le=5,
        description="how long a batch waits to fill while Kafka holds enough to fill it",
    )
    commit_interval_s: float = Field(1.0, gt=0, description="how often offsets are committed")
    sweep_interval_s: float = Field(
        3600.0, gt=0, description="how often time-based rules are checked against the clock"
    )
    session_timeout_s: float = Field(
        60.0,
        ge=6,  # the broker's group.min.session.timeout.ms; heartbeats go every 3 s
        le=300,
        description="how long the group waits for a silent (killed) worker before its "
        "partitions move to the others",
    )
    rocksdb: RocksDBSettings = RocksDBSettings()


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
    panels: PanelsSettings = PanelsSettings()
    delivery: DeliverySettings = DeliverySettings()
    inbox: InboxSettings = InboxSettings()
    topic_prefix: str = Field("", pattern=r"^[a-z0-9._-]*$", description="isolates test runs")
    state_dir: Path = Field(Path(".hub"), description="local state: outboxes, checkpoints")

    @property
    def bootstrap_servers(self) -> str:
        """Where clients connect: the configured cluster, or the local broker."""
        return self.kafka.bootstrap_servers or f"{self.broker.host}:{self.broker.port}"

    @property
    def ledger_file(self) -> Path:
        """The delivery ledger: which (alert, panel, channel) has a durable outcome."""
        return self.delivery.ledger_file or self.state_dir / "delivery" / "ledger.sqlite"

    @property
    def inbox_database_url(self) -> str:
        """The inbox store the delivery service writes to and the inbox web app reads."""
        if "database_url" in self.inbox.model_fields_set:
            return self.inbox.database_url
        return f"sqlite:///{self.state_dir / 'inbox.db'}"

    def inbox_settings(self) -> InboxSettings:
        """The inbox's section with its store resolved against ``state_dir``."""
        return self.inbox.model_copy(update={"database_url": self.inbox_database_url})

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
