"""Identifier checks: published vectors, every failing rule named, nothing echoed back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from privacy.errors import InvalidIdentifier
from privacy.identifiers import (
    IdentifierType,
    nhs_check_digit,
    pnc_check_letter,
    upn_check_letter,
    validate_identifier,
    validate_nhs_number,
    validate_pnc_id,
    validate_prison_number,
    validate_upn,
)


def test_published_nhs_example_and_its_separators_and_full_width_forms() -> None:
    assert validate_nhs_number("9434765919") == "9434765919"
    assert validate_nhs_number("943 476 5919") == "9434765919"
    assert validate_nhs_number("943-476-5919") == "9434765919"
    assert validate_nhs_number("９４３４７６５９１９") == "9434765919"  # full-width digits


def test_nhs_check_digit_edge_cases() -> None:
    assert nhs_check_digit("943476591") == 9
    # 11 - (sum mod 11) == 11 becomes 0; == 10 means no valid number exists.
    assert nhs_check_digit("000000000") == 0
    assert any(nhs_check_digit(f"{n:09d}") is None for n in range(100))


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("9434765918", "nhs.check_digit"),
        ("943476591", "nhs.length"),
        ("94347659190", "nhs.length"),
        ("94347A5919", "nhs.digits"),
    ],
)
def test_nhs_failures_name_the_rule_not_the_value(raw: str, rule: str) -> None:
    with pytest.raises(InvalidIdentifier) as failure:
        validate_nhs_number(raw)
    assert failure.value.rule == rule
    assert raw not in str(failure.value)


def test_pnc_check_letter_and_canonical_form() -> None:
    letter = pnc_check_letter("24", "1")
    assert letter == "ZABCDEFGHJKLMNPQRTUVWXY"[240000001 % 23]
    assert validate_pnc_id(f"2024/1{letter}") == f"2024/0000001{letter}"
    assert validate_pnc_id(f"2024/0000001{letter.lower()}") == f"2024/0000001{letter}"


@pytest.mark.parametrize(
    ("raw", "rule"),
    [("2024/0000001Z", "pnc.check_letter"), ("24/0000001Z", "pnc.year"), ("2024-X", "pnc.format")],
)
def test_pnc_failures(raw: str, rule: str) -> None:
    if rule == "pnc.check_letter" and pnc_check_letter("24", "1") == "Z":
        raw = "2024/0000001A"
    with pytest.raises(InvalidIdentifier) as failure:
        validate_pnc_id(raw)
    assert failure.value.rule == rule


def test_upn_vector_from_python_stdnum_and_temporary_upns() -> None:
    assert validate_upn("B801200005001") == "B801200005001"
    temporary = "80120000500" + "A"
    assert (
        validate_upn(upn_check_letter(temporary) + temporary)
        == upn_check_letter(temporary) + temporary
    )


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("A801200005001", "upn.check_letter"),
        ("B80120000500", "upn.length"),
        ("B80120000A001", "upn.format"),
        ("B8012000050O1", "upn.format"),
    ],
)
def test_upn_failures(raw: str, rule: str) -> None:
    with pytest.raises(InvalidIdentifier) as failure:
        validate_upn(raw)
    assert failure.value.rule == rule


def test_prison_number_format() -> None:
    assert validate_prison_number("a1234bc") == "A1234BC"
    with pytest.raises(InvalidIdentifier, match=r"prison\.format"):
        validate_prison_number("A12345C")


def test_dispatch_by_kind() -> None:
    assert validate_identifier(IdentifierType.NHS, "9434765919") == "9434765919"
    assert validate_identifier(IdentifierType.LOCAL, " case-1 ") == "case-1"
    with pytest.raises(InvalidIdentifier, match=r"local\.empty"):
        validate_identifier(IdentifierType.LOCAL, "  ")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_every_generated_nhs_number_validates(first_nine: str) -> None:
    check = nhs_check_digit(first_nine)
    if check is not None:
        assert validate_nhs_number(first_nine + str(check)) == first_nine + str(check)
        wrong = first_nine + str((check + 1) % 10)
        with pytest.raises(InvalidIdentifier):
            validate_nhs_number(wrong)
