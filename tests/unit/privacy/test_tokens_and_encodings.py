"""Tokens, Bloom encodings and blocking keys: vectors, noise tolerance, rotation."""

from __future__ import annotations

import hashlib
import itertools
from datetime import date

import pytest

from privacy.blocking import BlockingKeyer, soundex
from privacy.clk import ENCODED_BYTES, ClkEncoder, PersonAttributes, dice, dice_many
from privacy.errors import InvalidIdentifier
from privacy.identifiers import IdentifierType
from privacy.keyring import LinkageKeys
from privacy.tokens import Tokeniser
from tests.unit.privacy.conftest import fixed_linkage

ANN = PersonAttributes("Ann-Marie", "O'Neill", date(2006, 4, 9), "F", "ZY1 2AB")


def test_token_vector_under_the_fixed_test_key(linkage: LinkageKeys) -> None:
    token = Tokeniser(linkage).tokens(IdentifierType.NHS, "943 476 5919")[0]
    assert (token.type, token.key_version, len(token.value)) == (IdentifierType.NHS, 1, 43)
    assert (
        token.value == Tokeniser(fixed_linkage(1)).tokens(IdentifierType.NHS, "9434765919")[0].value
    )
    assert token.value == "pa3JtY_ePI8N_3pYpO9thKVHYBw2EDYkwp6lhND3gRg"


def test_tokens_differ_by_type_namespace_and_key(linkage: LinkageKeys) -> None:
    tokens = Tokeniser(linkage)
    police = tokens.tokens(IdentifierType.LOCAL, "17", namespace="police")[0].value
    ed = tokens.tokens(IdentifierType.LOCAL, "17", namespace="ed")[0].value
    other_key = Tokeniser(fixed_linkage(9)).tokens(IdentifierType.LOCAL, "17", "police")[0].value
    assert len({police, ed, other_key}) == 3


def test_a_bad_identifier_is_an_error_never_a_token(linkage: LinkageKeys) -> None:
    with pytest.raises(InvalidIdentifier, match=r"nhs\.check_digit"):
        Tokeniser(linkage).tokens(IdentifierType.NHS, "9434765918")


def test_during_rotation_both_versions_are_produced_so_old_and_new_link() -> None:
    old = Tokeniser(fixed_linkage(1)).tokens(IdentifierType.NHS, "9434765919")
    rotating = Tokeniser(fixed_linkage(1, 2)).tokens(IdentifierType.NHS, "9434765919")
    assert [t.key_version for t in rotating] == [2, 1]
    assert rotating[1].value == old[0].value  # shares a token with records made before


def test_encoding_is_balanced_and_names_normalise_alike(linkage: LinkageKeys) -> None:
    encoder = ClkEncoder(linkage)
    one = encoder.encode(ANN)
    assert len(one) == ENCODED_BYTES
    assert int.from_bytes(one, "big").bit_count() == ENCODED_BYTES * 4  # exactly half
    same = PersonAttributes("ANN MARIE", "oneill", date(2006, 4, 9), "F", "zy12ab")
    assert encoder.encode(same) == one


def test_fill_is_in_the_documented_range_on_typical_names(linkage: LinkageKeys) -> None:
    encoder = ClkEncoder(linkage)
    people = [
        PersonAttributes("Jordan", "Campbell", date(2004, 1, 30), "M", "ZY3 4CD"),
        PersonAttributes("Aisha", "Begum", date(1999, 11, 2), "F", "ZY1 7EF"),
        PersonAttributes("Tyrone", "Williams", date(2008, 6, 15), "M", "ZW2 1GH"),
        ANN,
    ]
    fills = [float(encoder.filter_bits(p).mean()) for p in people]
    assert all(0.35 <= f <= 0.6 for f in fills), fills


@pytest.mark.parametrize(
    "noisy",
    [
        PersonAttributes("Anne-Marie", "O'Neill", date(2006, 4, 9), "F", "ZY1 2AB"),  # typo
        PersonAttributes("Ann-Marie", "O'Neill", date(2006, 9, 4), "F", "ZY1 2AB"),  # swap
        PersonAttributes("Ann-Marie", "O'Neill", date(2006, 4, 9), "F", "ZY9 9ZZ"),  # moved
        PersonAttributes("Ann-Marie", "O'Neill", date(2006, 4, 9), None, None),  # missing
    ],
)
def test_noisy_records_of_one_person_stay_closer_than_strangers(
    linkage: LinkageKeys, noisy: PersonAttributes
) -> None:
    encoder = ClkEncoder(linkage)
    stranger = PersonAttributes("Annie", "Neville", date(2005, 4, 19), "F", "ZY1 3AB")
    same, other = (
        dice(encoder.encode(ANN), encoder.encode(noisy)),
        dice(encoder.encode(ANN), encoder.encode(stranger)),
    )
    assert same > 0.75
    assert same - other > 0.1


def test_dice_many_agrees_with_dice(linkage: LinkageKeys) -> None:
    encoder = ClkEncoder(linkage)
    query = encoder.encode(ANN)
    others = [
        encoder.encode(PersonAttributes(n, "Smith", date(2000, 1, d), "M", None))
        for d, n in enumerate(["Al", "Bo", "Cy"], start=1)
    ]
    assert list(dice_many(query, others)) == pytest.approx([dice(query, o) for o in others])
    assert dice(query, query) == 1.0
    assert len(dice_many(query, [])) == 0


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("ROBERT", "R163"),
        ("RUPERT", "R163"),
        ("ASHCRAFT", "A261"),
        ("TYMCZAK", "T522"),
        ("PFISTER", "P236"),
        ("LEE", "L000"),
    ],
)
def test_soundex_matches_the_national_archives_examples(word: str, code: str) -> None:
    assert soundex(word) == code


def test_blocking_keys_survive_common_noise(linkage: LinkageKeys) -> None:
    keyer = BlockingKeyer(linkage)
    base = set(keyer.keys(ANN))
    assert len(base) == 5
    assert all(k.startswith("b") and len(k) == 19 for k in base)
    for noisy in (
        PersonAttributes("Ann-Marie", "O'Neil", date(2006, 4, 9), "F", "ZY1 2AB"),
        PersonAttributes("Ann-Marie", "O'Neill", date(2006, 9, 4), "F", "ZY1 2AB"),
        PersonAttributes("Annie", "O'Neill", date(2006, 4, 9), "F", None),
        PersonAttributes("Ann-Marie", "Jones", date(2006, 4, 9), "F", "ZY1 2AB"),
    ):
        assert base & set(keyer.keys(noisy)), noisy


def test_encoding_and_blocking_vectors_under_the_fixed_test_key(linkage: LinkageKeys) -> None:
    """Pinned outputs: any change to what is computed shows here and must be explained."""
    clk = ClkEncoder(linkage)
    assert hashlib.sha256(clk.encode(ANN)).hexdigest() == (
        "952b6bb70a6e98b6ae7f77f57212a30e54f8f56a54525f20c7886cd8e0b09c91"
    )
    assert clk.encode(ANN)[:16].hex() == "613d7d7e84d37328247bd8a2fcb5d77f"
    assert hashlib.sha256(clk.encode(PersonAttributes("Jo"))).hexdigest() == (
        "f81706a48414cff4afe9417aa33afa27a7f8989a49480b1b7788e4d734b2e66b"
    )
    assert hashlib.sha256(clk.encode(PersonAttributes())).hexdigest() == (
        "e391420d6c99b504cc893651eed7ab05895b414c9f7d1114e5251337a093dd18"
    )
    assert BlockingKeyer(linkage).keys(ANN) == [
        "b1:zkIglfrW7U8AzBLT",
        "b5:yDOPwOG8STrvyz4q",
        "b2:FKaxD__OtqqoGKQQ",
        "b3:4h-Or00Q4iHrCqd8",
        "b4:Z5PWJpVG12ju1l5Y",
    ]


def test_fast_encoding_equals_the_plain_bit_array_computation(linkage: LinkageKeys) -> None:
    """``encode`` (integer algebra, memoised) is bit for bit the documented construction."""
    encoder = ClkEncoder(linkage)
    names = ["Ann-Marie", "O'Neill", "Zoë", "Jo", "", "Smith Jones", "Mc Donald", "Li"]
    people = [
        PersonAttributes(g, f, d, s, p)
        for g, f, d, s, p in itertools.product(
            names[:4],
            names[3:],
            (date(2006, 4, 9), date(1990, 12, 31), None),
            ("M", "F", "U", None),
            ("ZY1 2AB", "zy12ab", "not a postcode", None),
        )
    ]
    for person in people:
        assert encoder.encode(person) == encoder.encode_reference(person), person
    fresh = ClkEncoder(linkage)  # cold caches give the same bytes as warm ones
    assert [fresh.encode(p) for p in reversed(people)] == [
        encoder.encode(p) for p in reversed(people)
    ]


def test_token_shortcuts_are_the_same_tokens() -> None:
    tokens = Tokeniser(fixed_linkage(1, 2))  # a rotation window: two versions
    for kind, raw, namespace in [
        (IdentifierType.NHS, "943 476 5919", ""),
        (IdentifierType.LOCAL, "CR/17", "police/record"),
    ]:
        full = tokens.tokens(kind, raw, namespace)
        assert tokens.token_dicts(kind, raw, namespace) == [t.to_dict() for t in full]
        assert tokens.current(kind, raw, namespace) == full[0].value
        assert full[0].key_version == 2
    with pytest.raises(InvalidIdentifier, match=r"nhs\.check_digit"):
        tokens.current(IdentifierType.NHS, "9434765918")
    with pytest.raises(InvalidIdentifier, match=r"nhs\.check_digit"):
        tokens.token_dicts(IdentifierType.NHS, "9434765918")
