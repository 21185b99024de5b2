"""One real Kafka broker for the whole integration session.

Ports come from the kernel, the data directory is fresh, and the broker is tied to the pytest
process, so a leftover from a killed run can neither collide with nor outlive this one. If the
broker cannot start, every integration test errors with the broker's log: never a silent skip.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.config import BrokerSettings, HubSettings, load_settings
from hub.kafka.admin import apply_catalogue
from hub.kafka.local import LocalBroker, free_port
from hub.synth.exports import FOLDER_OF_PARTNER
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


def broker_settings(data_dir: Path) -> BrokerSettings:
    return BrokerSettings(
        port=free_port(), controller_port=free_port(), data_dir=data_dir, start_timeout_s=120
    )


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    local = LocalBroker(broker_settings(tmp_path_factory.mktemp("kafka")))
    local.up(tie_to_parent=True, echo=False)
    try:
        yield local
    finally:
        local.down()


@pytest.fixture
def settings(broker: LocalBroker, tmp_path: Path) -> HubSettings:
    """Settings for one test: the session broker, and a topic prefix of its own."""
    return load_settings(
        broker=broker.settings,
        topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
        state_dir=tmp_path / "state",
    )


@pytest.fixture
def topics(settings: HubSettings) -> HubSettings:
    """The test's own copy of the whole topic catalogue, created."""
    apply_catalogue(settings)
    return settings


@dataclass(frozen=True)
class Partnership:
    root: Path
    keys: Path

    def export(self, partner: str) -> Path:
        return self.root / "exports" / FOLDER_OF_PARTNER[partner]

    def bad_rows(self) -> list[dict[str, str]]:
        with (self.root / "truth" / "bad_rows.csv").open() as handle:
            return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> Partnership:
    root = tmp_path_factory.mktemp("synth")
    generate(SynthParams(people=1500, seed=7, bad_rows=3), root)
    keys = root / "keys"
    generate_partnership(keys, list(FOLDER_OF_PARTNER), ["panels"])
    return Partnership(root, keys)


def publish_partnership(settings: HubSettings, partnership: Partnership) -> int:
    """Every partner's export through its real connector; the events Kafka acknowledged."""
    from hub.connectors.runner import MAPPINGS, ConnectorRun

    published = 0
    for partner in MAPPINGS:
        run = ConnectorRun(settings, partner)
        try:
            run.run_paths([partnership.export(partner)])
            run.drain(30)
        finally:
            run.close()
        published += run.summary.published
    return published


@pytest.fixture
def connector_settings(topics: HubSettings, partnership: Partnership) -> HubSettings:
    return topics.model_copy(
        update={"connector": topics.connector.model_copy(update={"keys_dir": partnership.keys})}
    )
