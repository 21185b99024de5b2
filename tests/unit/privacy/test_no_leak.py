"""Property: nothing the privacy library emits contains its inputs in any plain encoding."""

from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from privacy.blocking import BlockingKeyer
from privacy.clk import ClkEncoder, PersonAttributes
from privacy.identifiers import IdentifierType, nhs_check_digit
from privacy.keyring import load_recipient_public, load_signing
from privacy.seal import Sealer
from privacy.tokens import Tokeniser
from tests.unit.privacy.conftest import fixed_linkage

names = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=3, max_size=12
)
nhs_numbers = (
    st.integers(100_000_000, 999_999_999)
    .map(str)
    .filter(lambda n: nhs_check_digit(n) is not None)
    .map(lambda n: n + str(nhs_check_digit(n)))
)


def _plain_forms(given_name: str, family: str, dob: date, nhs: str) -> list[bytes]:
    forms = [
        given_name,
        family,
        nhs,
        dob.isoformat(),
        dob.strftime("%d/%m/%Y"),
        dob.strftime("%d%m%Y"),
    ]
    out: list[bytes] = []
    for form in forms:
        for variant in (form, form.upper(), form.lower()):
            raw = variant.encode()
            out += [
                raw,
                raw.hex().encode(),
                base64.b64encode(raw).rstrip(b"="),
                base64.urlsafe_b64encode(raw).rstrip(b"="),
            ]
    return out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names, names, st.dates(date(1950, 1, 1), date(2020, 12, 31)), nhs_numbers)
def test_outputs_never_contain_the_inputs(
    key_dir: Path, given_name: str, family: str, dob: date, nhs: str
) -> None:
    linkage = fixed_linkage(1)
    attrs = PersonAttributes(given_name, family, dob, "F", "ZY1 2AB")
    sealer = Sealer(
        load_recipient_public(key_dir / "recipient-panels.public.json"),
        load_signing(key_dir / "signing-police.json"),
    )
    sealed = sealer.seal(
        "ev-1",
        {
            "given_name": given_name,
            "family_name": family,
            "date_of_birth": dob.isoformat(),
            "nhs": nhs,
        },
    )
    emitted = b"\x1e".join(
        [
            *(t.value.encode() for t in Tokeniser(linkage).tokens(IdentifierType.NHS, nhs)),
            ClkEncoder(linkage).encode(attrs),
            *(k.encode() for k in BlockingKeyer(linkage).keys(attrs)),
            sealed.ciphertext,
        ]
    )
    for form in _plain_forms(given_name, family, dob, nhs):
        if len(form) >= 4:  # shorter strings occur in random bytes by chance
            assert form not in emitted, form
