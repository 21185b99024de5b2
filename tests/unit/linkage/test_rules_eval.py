"""Rule-level evaluation: raised flags keyed like the truth's, and the whole offline run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.config import ConnectorSettings
from hub.linkage.offline import evaluate_linkage
from hub.linkage.rules_eval import Truth, compare, load_truth, raise_offline
from hub.rules.policy import load_policy
from hub.synth.expected import ExpectedFlag
from hub.synth.generator import generate
from hub.synth.params import SynthParams
from privacy.keyring import generate_partnership

POLICY = load_policy()


def flag(rule_id: str, *tokens: str, flag_id: str = "f") -> dict[str, Any]:
    return {
        "flag_id": flag_id,
        "rule_id": rule_id,
        "evidence": [{"source_record_ref": t} for t in tokens],
    }


def test_flags_are_matched_by_key_and_every_miss_and_wrong_flag_has_a_cause() -> None:
    truth = Truth(
        {"police/A": "P1", "ed/B": "P1", "ed/C": "P2", "police/D": "P1", "prisons/E": "P3"},
        [
            ExpectedFlag("repeat_victim", "P1", "ed/B|police/A", ("police/A", "ed/B")),
            ExpectedFlag("repeat_victim", "P1", "ed/B|police/D", ("police/D", "ed/B")),
            ExpectedFlag("several_agencies", "P1", "P1", ("police/A", "ed/B", "police/D")),
            ExpectedFlag("prison_release", "P3", "prisons/E", ("prisons/E",)),
        ],
    )
    record_of = {"tA": "police/A", "tB": "ed/B", "tC": "ed/C", "tD": "police/D", "tE": "prisons/E"}
    raised = [
        flag("repeat_victim", "tB", "tA", flag_id="1"),  # either order: one pair
        flag("repeat_victim", "tA", "tC", flag_id="2"),  # two people: a false link
        flag("repeat_victim", "tA", "tA", flag_id="3"),  # one record twice
        flag("several_agencies", "tD", "tA", "tB", flag_id="4"),  # other evidence, same person
        flag("prison_release", "tE", flag_id="5"),  # keyed by the release record
        flag("not_in_policy", "tA", flag_id="6"),
    ]
    hub_person = {"police/A": "h1", "ed/B": "h1", "police/D": "h2", "prisons/E": "h3"}
    found = compare(POLICY, truth, raised, record_of, hub_person)
    victim = found["repeat_victim"]
    assert (victim.expected, victim.raised, victim.matched) == (2, 3, 1)
    assert victim.wrong == {"merged": 1, "same_record": 1}
    assert victim.missed == {"split": 1}  # police/D ended in another hub person
    assert (victim.precision, victim.recall) == (1 / 3, 1 / 2)
    assert found["several_agencies"].matched == 1
    assert found["prison_release"].matched == 1
    assert "not_in_policy" not in found
    assert found["repeat_suspect"].precision == found["repeat_suspect"].recall == 1.0


@pytest.fixture(scope="module")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ConnectorSettings]:
    root = tmp_path_factory.mktemp("rules-eval")
    generate(SynthParams(people=5000, seed=21, bad_rows=4), root / "synth")
    generate_partnership(root / "keys", ["police", "ed", "prison", "school", "yjs"], ["panels"])
    return root / "synth", ConnectorSettings(keys_dir=root / "keys")


def test_the_default_partnership_meets_the_targets_offline(
    partnership: tuple[Path, ConnectorSettings],
) -> None:
    synth, keys = partnership
    quality, _ = evaluate_linkage(synth, keys)
    # Measured (docs/linkage.md): seed 21, 5,000 people: F1 1.0000; the target 0.995.
    assert quality.f1 >= 0.995, quality
    truth = load_truth(synth, POLICY)
    run = raise_offline(synth, keys, POLICY)
    found = compare(POLICY, truth, run.flags, run.record_of, run.hub_person)
    assert set(found) == {r.id for r in POLICY.rules}
    for rule in found.values():
        assert rule.expected > 0, rule.rule_id
        assert rule.precision >= 0.98, rule
        assert rule.recall >= 0.98, rule
