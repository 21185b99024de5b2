"""Explaining a person from the links the linker kept, and undoing a wrong merge."""

from __future__ import annotations

from typing import Any

import pytest

from hub.errors import LinkageError
from hub.linkage.explain import explain, unmerge
from hub.linkage.linker import Linker
from hub.linkage.store import resolve
from tests.unit.linkage.test_linker import ANN, ANN_TYPO, BOB, event


def merged_pair() -> tuple[dict[str, Any], Linker, str, str]:
    """Ann (NHS T1) and Bob (PNC P1), wrongly bridged by an event carrying both tokens."""
    store: dict[str, Any] = {}
    linker = Linker(store)
    ann = linker.link(event("e1", ANN, ("nhs", "T1"))).person_id
    linker.link(event("e2", ANN_TYPO, ("nhs", "T1")))
    bob = linker.link(event("e3", BOB, ("pnc", "P1"))).person_id
    bridge = linker.link(event("e4", BOB, ("nhs", "T1"), ("pnc", "P1")))
    survivor, merged = sorted([ann, bob])
    assert bridge.merges == ((survivor, merged),)
    return store, linker, survivor, merged


def test_explain_lists_every_link_with_its_score_and_the_merge() -> None:
    store, _, survivor, merged = merged_pair()
    report = explain(store, merged)  # a merged id explains its survivor
    assert report.person_id == survivor
    assert sorted(link.event_id for link in report.links) == ["e1", "e2", "e3", "e4"]
    by_event = {link.event_id: link for link in report.links}
    assert by_event["e1"].method == "new_person"
    assert by_event["e4"].method == "exact"
    assert by_event["e4"].score == 1.0
    assert by_event["e4"].person_id == survivor
    assert by_event["e3"].person_id == merged  # linked to Bob before the merge
    assert [(m.survivor, m.merged, m.event_id) for m in report.merges] == [(survivor, merged, "e4")]


def test_unmerge_restores_the_redirect_and_what_the_merge_brought() -> None:
    store, linker, survivor, merged = merged_pair()
    before = store[f"p:{survivor}"]
    brought = before["merges"][0]
    assert brought["clks"] or brought["strong"]
    done = unmerge(store, survivor, merged, "Bob's NHS number was typed on Ann's record")
    assert resolve(store, merged) == merged
    after = store[f"p:{survivor}"]
    assert not set(brought["clks"]) & set(after["clks"])
    assert after["strong"].get("pnc", []) == [
        v for v in before["strong"].get("pnc", []) if v not in brought["strong"].get("pnc", [])
    ]
    assert set(done.removed_tokens) == {(k, v) for k, vs in brought["strong"].items() for v in vs}
    report = explain(store, survivor)
    assert report.merges == []
    assert [u.merged for u in report.unmerges] == [merged]
    assert {link.event_id for link in report.links} == {"e1", "e2", "e4"}
    assert explain(store, merged).person_id == merged
    # Bob's own token finds Bob again; an event carrying both tokens does not re-merge them.
    assert linker.link(event("e5", BOB, ("pnc", "P1"))).person_id == merged
    again = linker.link(event("e6", BOB, ("nhs", "T1"), ("pnc", "P1")))
    assert again.merges == ()
    assert resolve(store, merged) == merged


def test_an_unmerged_pair_stays_apart_through_a_third_person() -> None:
    store, linker, survivor, merged = merged_pair()
    unmerge(store, survivor, merged, "wrong")
    linker.link(event("e7", None, ("upn", "U0")))
    third = linker.link(event("e8", None, ("upn", "U0"))).person_id
    bridge = linker.link(event("e9", None, ("upn", "U0"), ("nhs", "T1"), ("pnc", "P1")))
    joined = {m for pair in bridge.merges for m in pair}
    assert not {survivor, merged} <= joined | {bridge.person_id}, (third, bridge)


def test_unmerge_refuses_what_was_never_merged() -> None:
    store, _, survivor, merged = merged_pair()
    with pytest.raises(LinkageError, match="is not merged into"):
        unmerge(store, merged, survivor, "backwards")
    unmerge(store, survivor, merged, "once")
    with pytest.raises(LinkageError, match="is not merged into"):
        unmerge(store, survivor, merged, "twice")
    with pytest.raises(LinkageError, match="no person"):
        explain(store, "p-nobody")


def test_the_linker_offers_explain_and_unmerge_on_its_own_store() -> None:
    store, linker, survivor, merged = merged_pair()
    assert linker.explain(merged).person_id == survivor
    done = linker.unmerge(survivor, merged, "wrong")
    assert done.reason == "wrong"
    assert resolve(store, merged) == merged
