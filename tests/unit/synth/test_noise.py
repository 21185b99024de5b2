"""Identity noise is present, at about the documented rates."""

from __future__ import annotations

from datetime import date

from hub.synth.names import NameBook
from hub.synth.noise import NoiseRates, typo
from tests.unit.synth.conftest import Run, read_rows


def _truth_by_ref(run: Run) -> dict[str, dict[str, str]]:
    people = {p["person_id"]: p for p in run.truth("people.csv")}
    return {r["record_ref"]: people[r["person_id"]] for r in run.truth("records.csv")}


def test_ed_nhs_number_missing_at_documented_rate(run: Run) -> None:
    bad = {row["record_ref"] for row in run.truth("bad_rows.csv")}
    rows = [r for path in run.files("ed") for r in read_rows(path) if r["attendance_id"] not in bad]
    missing = sum(r["patient"]["nhs_number"] is None for r in rows) / len(rows)
    assert abs(missing - NoiseRates().nhs_missing["ed"]) < 0.06


def test_names_dates_and_addresses_differ_from_truth(run: Run) -> None:
    truth, book = _truth_by_ref(run), NameBook()
    bad = {row["record_ref"] for row in run.truth("bad_rows.csv")}
    rows = [r for path in run.files("police") for r in read_rows(path)
            if r["RecordRef"] not in bad and r["RecordVersion"] == "1"]  # fmt: skip
    forename = surname = swapped = blank_postcode = 0
    for row in rows:
        person = truth[row["RecordRef"]]
        forename += row["Forename"] != person["forename"]
        surname += row["Surname"] not in (
            person["surname"],
            *book.variants.get(person["surname"], ()),
        )
        blank_postcode += row["HomePostcode"] == ""
        dob = date.fromisoformat(person["dob"])
        if dob.day <= 12 and dob.day != dob.month:
            swapped += row["DateOfBirth"] == f"{dob.month:02d}/{dob.day:02d}/{dob.year}"
    n = len(rows)
    rates = NoiseRates()
    # Typos (2%), variants kept by a partner (12% of people with a variant name), per record.
    assert 0.02 < forename / n < 0.12
    assert abs(surname / n - rates.typo) < 0.015
    assert abs(blank_postcode / n - rates.postcode_blank) < 0.012
    assert swapped > 0


def test_variants_are_real_alternative_spellings(run: Run) -> None:
    book, truth = NameBook(), _truth_by_ref(run)
    seen = 0
    for path in run.files("police"):
        for row in read_rows(path):
            true_name = truth[row["RecordRef"]]["forename"]
            if row["Forename"] in book.variants.get(true_name, ()):
                seen += 1
    assert seen >= 10


def test_manifest_counts_applied_noise(run: Run) -> None:
    applied = run.manifest["noise_applied"]
    for kind in ("typo", "dob_swap", "stale_address", "nhs_missing", "variant_partner"):
        assert applied.get(kind, 0) > 0, kind


def test_typo_is_one_edit() -> None:
    import random

    rng = random.Random(3)
    for _ in range(200):
        changed = typo("Katherine", rng)
        assert abs(len(changed) - len("Katherine")) <= 1
        assert changed[0] == "K"
