"""The local variant of the scrape configuration keeps the project's jobs and rules."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.ops.contract import CONNECTOR_PORTS, JOBS, PROCESS_PORTS
from hub.ops.promconfig import DEPLOY, local_config
from tests.unit.ops.promtool import promtool


def _targets(config: dict[str, object]) -> dict[str, list[str]]:
    return {
        job["job_name"]: [t for s in job["static_configs"] for t in s["targets"]]
        for job in config["scrape_configs"]  # type: ignore[attr-defined]
    }


def test_the_deployed_config_scrapes_every_contract_port() -> None:
    targets = _targets(yaml.safe_load((DEPLOY / "prometheus.yml").read_text()))
    assert sorted(targets[JOBS["connector"]]) == sorted(
        f"connector-{partner}:{port}" for partner, port in CONNECTOR_PORTS.items()
    )
    for process in ("worker", "delivery", "inbox"):
        assert targets[JOBS[process]] == [f"{process}:{PROCESS_PORTS[process]}"]


def test_local_config_moves_the_hub_jobs_to_this_machine(tmp_path: Path) -> None:
    config = local_config()
    targets = _targets(config)
    assert targets["hub-worker"] == ["127.0.0.1:9110"]
    assert "127.0.0.1:9104" in targets["hub-connector"]
    assert targets["prometheus"] == ["localhost:9090"]
    assert config["rule_files"] == [str(DEPLOY.resolve() / "rules" / "*.yml")]
    file = tmp_path / "prometheus.yml"
    file.write_text(yaml.safe_dump(config))
    assert "SUCCESS" in promtool("check", "config", file)  # rules found from anywhere


def test_local_config_takes_test_targets_and_intervals() -> None:
    config = local_config(
        targets={"prometheus": ["127.0.0.1:1"], "hub-connector": ["127.0.0.1:2"]}, interval_s=1
    )
    assert _targets(config) == {"prometheus": ["127.0.0.1:1"], "hub-connector": ["127.0.0.1:2"]}
    assert config["global"] == {"scrape_interval": "1s", "evaluation_interval": "1s"}


def test_an_unknown_job_is_refused() -> None:
    with pytest.raises(ValueError, match="hub-connectors"):
        local_config(targets={"hub-connectors": ["127.0.0.1:2"]})


def test_compose_mounts_the_rules_where_the_config_looks_for_them() -> None:
    compose = yaml.safe_load((DEPLOY.parents[1] / "docker-compose.yml").read_text())
    service = compose["services"]["prometheus"]
    mounts = dict(v.split(":")[:2] for v in service["volumes"])
    config_in_container = Path(mounts["./deploy/prometheus/prometheus.yml"])
    rules = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())["rule_files"]
    for pattern in rules:
        folder = (config_in_container.parent / pattern).parent
        assert mounts[f"./deploy/prometheus/{Path(pattern).parent}"] == str(folder)
    assert "--config.file=" + str(config_in_container) in service["command"]
