"""The linker's decisions, on hand-made events with real encodings under a test key."""

from __future__ import annotations

from datetime import date
from typing import Any

from hub.linkage.evaluate import pairwise
from hub.linkage.linker import LinkCandidate, Linker, LinkerConfig
from hub.linkage.store import resolve
from privacy.blocking import BlockingKeyer
from privacy.clk import ClkEncoder, PersonAttributes
from tests.unit.privacy.conftest import fixed_linkage

LINKAGE = fixed_linkage(1)
CLK, BLOCKS = ClkEncoder(LINKAGE), BlockingKeyer(LINKAGE)
ANN = PersonAttributes("Ann-Marie", "O'Neill", date(2006, 4, 9), "F", "ZY1 2AB")
ANN_TYPO = PersonAttributes("Anne-Marie", "O'Neill", date(2006, 9, 4), "F", "ZY1 2AB")  # two slips
BOB = PersonAttributes("Robert", "Okafor", date(1999, 1, 20), "M", "ZY7 1QQ")


def event(event_id: str, attrs: PersonAttributes | None, *tokens: tuple[str, str]) -> LinkCandidate:
    return LinkCandidate(
        event_id,
        "police",
        tokens,
        CLK.encode(attrs) if attrs else None,
        tuple(BLOCKS.keys(attrs)) if attrs else (),
    )


def test_same_token_is_the_same_person_even_without_an_encoding() -> None:
    linker = Linker({})
    first = linker.link(event("e1", ANN, ("nhs", "T1")))
    second = linker.link(event("e2", None, ("nhs", "T1")))
    assert first.method == "new_person"
    assert (second.method, second.person_id, second.score) == ("exact", first.person_id, 1.0)


def test_a_noisy_record_without_tokens_links_by_encoding() -> None:
    linker = Linker({})
    first = linker.link(event("e1", ANN, ("nhs", "T1")))
    second = linker.link(event("e2", ANN_TYPO))
    assert second.method == "fuzzy"
    assert second.person_id == first.person_id
    assert 0.9 <= second.score < 1.0


def test_strangers_stay_apart() -> None:
    linker = Linker({})
    assert linker.link(event("e1", ANN)).person_id != linker.link(event("e2", BOB)).person_id


def test_a_different_nhs_number_vetoes_a_fuzzy_match() -> None:
    linker = Linker({})
    first = linker.link(event("e1", ANN, ("nhs", "T1")))
    twin = linker.link(event("e2", ANN, ("nhs", "T2")))  # identical details, other NHS number
    assert twin.person_id != first.person_id
    assert twin.method == "new_person"


def test_an_event_carrying_two_known_tokens_merges_the_two_persons() -> None:
    store: dict[str, Any] = {}
    linker = Linker(store)
    a = linker.link(event("e1", None, ("pnc", "P1")))
    b = linker.link(event("e2", None, ("upn", "U1")))
    bridge = linker.link(event("e3", None, ("pnc", "P1"), ("upn", "U1")))
    survivor, merged = sorted([a.person_id, b.person_id])
    assert bridge.merges == ((survivor, merged),)
    assert resolve(store, merged) == survivor
    later = linker.link(event("e4", None, ("upn", "U1")))
    assert later.person_id == survivor


def test_redelivered_events_get_the_same_decision_and_change_nothing() -> None:
    store: dict[str, Any] = {}
    linker = Linker(store)
    first = linker.link(event("e1", ANN, ("nhs", "T1")))
    snapshot = dict(store)
    assert linker.link(event("e1", ANN, ("nhs", "T1"))) == first
    assert store == snapshot


def test_an_over_common_blocking_key_is_skipped_not_scanned() -> None:
    linker = Linker({}, LinkerConfig(block_cap=2))
    people = [("Aaron", 3, 14), ("Brian", 7, 22), ("Colin", 11, 5)]  # one surname, one year
    decisions = [
        linker.link(event(f"e{n}", PersonAttributes(g, "Smith", date(2000, m, d), "M", None)))
        for n, (g, m, d) in enumerate(people)
    ]
    assert len({d.person_id for d in decisions}) == 3
    assert linker.skipped_blocks == 1  # Colin's surname-and-year block already held two


def test_pairwise_quality_counts_pairs_within_clusters() -> None:
    truth = {"a": "1", "b": "1", "c": "1", "d": "2"}
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y"}
    quality = pairwise(predicted, truth)
    assert (quality.true_pairs, quality.predicted_pairs, quality.correct_pairs) == (3, 2, 1)
    assert (quality.precision, round(quality.recall, 4)) == (0.5, 0.3333)
    assert pairwise(truth, truth).f1 == 1.0
