"""Near misses the blocking views corroborate, and namesakes they do not."""

from __future__ import annotations

from datetime import date

from hub.linkage.linker import CORROBORATION, Linker, LinkerConfig, _corroborates
from privacy.clk import PersonAttributes, dice
from tests.unit.linkage.test_linker import CLK, event

DANIEL = PersonAttributes("Daniel", "Williams", date(2007, 11, 27), "M", "ZY1 7RS")
DANNY = PersonAttributes("Danny", "Williams", date(2007, 11, 27), "M", "ZY1 7RS")
HARRY = PersonAttributes("Harry", "White", date(2001, 10, 11), "M", "ZY2 5BU")
HARRY_TOO = PersonAttributes("Harry", "White", date(1994, 11, 10), "M", "ZY3 4AA")


def test_a_nickname_with_the_same_initial_birth_date_and_home_is_one_person() -> None:
    score = dice(CLK.encode(DANIEL), CLK.encode(DANNY))
    assert 0.80 <= score < LinkerConfig().threshold  # a near miss on the encodings alone
    linker = Linker({})
    first = linker.link(event("e1", DANIEL, ("pnc", "P1")))
    second = linker.link(event("e2", DANNY, ("upn", "U1")))
    assert second.method == "fuzzy"
    assert second.person_id == first.person_id
    assert second.score == score


def test_the_corroborated_match_is_off_without_the_views() -> None:
    linker = Linker({})
    linker.link(event("e1", DANIEL))
    shorn = event("e2", DANNY)
    only_names = shorn.__class__(
        shorn.event_id, shorn.partner, shorn.tokens, shorn.clk,
        tuple(k for k in shorn.blocking_keys if k.startswith(("b1:", "b4:", "b5:"))),
    )  # fmt: skip
    assert linker.link(only_names).method == "new_person"


def test_a_strong_identifier_of_one_type_still_vetoes() -> None:
    linker = Linker({})
    linker.link(event("e1", DANIEL, ("nhs", "N1")))
    assert linker.link(event("e2", DANNY, ("nhs", "N2"))).method == "new_person"


def test_a_namesake_met_through_one_view_needs_a_very_close_score() -> None:
    score = dice(CLK.encode(HARRY), CLK.encode(HARRY_TOO))
    linker = Linker({})
    linker.link(event("e1", HARRY))
    decision = linker.link(event("e2", HARRY_TOO))
    assert decision.candidates == 1  # found through the name-only view
    assert decision.method == "new_person", score
    generous = Linker({}, LinkerConfig(single_view_threshold=0.0, threshold=0.5))
    generous.link(event("e1", HARRY))
    assert generous.link(event("e2", HARRY_TOO)).method == "fuzzy"


def test_corroboration_needs_every_view_of_a_tier_and_its_score() -> None:
    assert _corroborates({"b2", "b3"}, 0.85)
    assert not _corroborates({"b2", "b3"}, 0.84)
    assert _corroborates({"b1", "b2", "b3"}, 0.80)
    assert not _corroborates({"b1", "b3"}, 0.99)
    assert _corroborates({"b1", "b3", "b5"}, 0.88)
    assert all(0.8 <= needed < LinkerConfig().threshold for _, needed in CORROBORATION)


class CountingStore(dict[str, object]):
    """A dict store that counts redirect lookups (one per candidate id followed)."""

    redirects = 0

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        if key.startswith("r:"):
            self.redirects += 1
        return super().get(key, default)


def test_lookups_per_event_do_not_grow_with_single_view_strangers() -> None:
    store = CountingStore()
    linker = Linker(store)
    givens = ["Aaron", "Bilal", "Callum", "Dmitri", "Efe", "Fionn", "Gareth", "Hamza", "Igor"]
    for n, given in enumerate(givens):  # one surname and birth year: the b1 view only
        born = date(1990, 1 + n, 10 + n)
        linker.link(event(f"s{n}", PersonAttributes(given, "Kowalski", born, "M", f"ZY{n} 1AB")))
    target = PersonAttributes("Jan", "Kowalski", date(1990, 11, 3), "M", "ZY9 9ZZ")
    linker.link(event("t", target, ("pnc", "P1")))
    store.redirects = 0
    again = linker.link(
        event("q", PersonAttributes("Jan", "Kowalski", date(1990, 11, 3), "M", "ZY9 9ZZ"))
    )
    assert again.method == "fuzzy"
    assert again.candidates == len(givens) + 1  # all found through the shared block...
    assert store.redirects == 1  # ...but only the one sharing several views is followed
