"""The scrape configuration and alert rules pass promtool's checks and their unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.ops.promtool import PROMETHEUS_DIR, promtool

RULE_FILES = sorted((PROMETHEUS_DIR / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))


def test_there_are_rules_and_rule_tests() -> None:
    assert RULE_FILES
    assert RULE_TESTS


def test_promtool_checks_the_scrape_config_and_its_rule_files() -> None:
    output = promtool("check", "config", PROMETHEUS_DIR / "prometheus.yml")
    assert "rule files found" in output  # the config loads the rules folder


def test_promtool_checks_the_rules() -> None:
    promtool("check", "rules", *RULE_FILES)


def test_promtool_rule_unit_tests_pass() -> None:
    output = promtool("test", "rules", *RULE_TESTS)
    assert output.count("SUCCESS") == len(RULE_TESTS)


def test_a_broken_rule_fails_its_unit_test(tmp_path: Path) -> None:
    """The rule tests can fail: with the silence threshold doubled, they do."""
    rules = tmp_path / "rules"
    rules.mkdir()
    for file in RULE_FILES:
        text = file.read_text()
        (rules / file.name).write_text(
            text.replace(
                "hub:connector_silence_seconds > hub_connector_expected_cadence_seconds",
                "hub:connector_silence_seconds > 2 * hub_connector_expected_cadence_seconds",
            )
        )
    tests = tmp_path / "tests"
    tests.mkdir()
    for file in RULE_TESTS:
        (tests / file.name).write_text(file.read_text())
    with pytest.raises(pytest.fail.Exception, match="HubPartnerSilent"):
        promtool("test", "rules", *sorted(tests.glob("*.yml")))
