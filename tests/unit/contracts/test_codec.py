"""Single-object encoding: layout, round trips for every schema, and every rejection."""

from __future__ import annotations

import io
import json

import avro.io
import avro.schema
import pytest

from hub.contracts.codec import HEADER_BYTES, MARKER, Codec
from hub.contracts.fingerprint import fingerprint_bytes, rabin
from hub.contracts.registry import load_registry
from hub.contracts.samples import samples
from hub.errors import SerializationError

REGISTRY = load_registry()
CODEC = Codec(REGISTRY)


@pytest.mark.parametrize(
    ("canonical", "expected"),
    [('"int"', 0x7275D51A3F395C8F), ('"string"', 0x8F014872634503C7)],
)
def test_rabin_matches_the_avro_project_vectors(canonical: str, expected: int) -> None:
    assert rabin(canonical.encode()) == expected


def test_single_object_header_matches_apache_avro_for_int() -> None:
    # Apache Avro's own test (ruby test_fingerprints.rb): c3 01 8f 5c 39 3f 1a d5 75 72
    assert MARKER + fingerprint_bytes('"int"') == bytes.fromhex("c3018f5c393f1ad57572")


@pytest.mark.parametrize("name", sorted(REGISTRY.current))
def test_every_schema_round_trips_every_shape(name: str) -> None:
    schema = REGISTRY.get(name)
    for record in samples(schema.definition):
        data = CODEC.encode(name, record)
        assert data[:2] == MARKER
        assert data[2:HEADER_BYTES] == schema.fingerprint
        decoded_name, decoded = CODEC.decode(data)
        assert decoded_name == name
        assert CODEC.encode(name, decoded) == data


@pytest.mark.parametrize("name", sorted(REGISTRY.current))
def test_apache_avro_decodes_what_the_hub_writes(name: str) -> None:
    schema = REGISTRY.get(name)
    record = samples(schema.definition)[3]
    data = CODEC.encode(name, record)
    reader = avro.io.DatumReader(avro.schema.parse(json.dumps(schema.definition)))
    decoded = reader.read(avro.io.BinaryDecoder(io.BytesIO(data[HEADER_BYTES:])))
    assert CODEC.encode(name, decoded) == data


def test_fingerprint_agrees_with_apache_avro_where_no_logical_type_is_involved() -> None:
    # With logical types, Python avro 1.12 keeps {"type": "long"} in the canonical form,
    # against the spec's [STRIP] rule (AVRO-4004); fastavro and we follow the spec.
    schema = REGISTRY.get("Identity")
    parsed = avro.schema.parse(json.dumps(schema.definition))
    assert parsed.fingerprint("CRC-64-AVRO") == schema.fingerprint


def _valid() -> bytes:
    return CODEC.encode("PersonMerged", samples(REGISTRY.get("PersonMerged").definition)[0])


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda d: b"\x00\x01" + d[2:], "no C3 01 marker"),
        (lambda d: d[:5], "no C3 01 marker"),
        (lambda d: d[:2] + b"\xff" * 8 + d[10:], "unknown schema fingerprint"),
        (lambda d: d[:-3], "truncated"),
        (lambda d: d + b"\x00\x00", "unexpected bytes after the record"),
    ],
)
def test_bad_payloads_are_refused_with_what_was_wrong(mangle: object, message: str) -> None:
    with pytest.raises(SerializationError, match=message):
        CODEC.decode(mangle(_valid()))  # type: ignore[operator]


def test_oversized_payloads_are_refused() -> None:
    with pytest.raises(SerializationError, match="exceeds 64"):
        Codec(REGISTRY, max_bytes=64).decode(b"\xc3\x01" + bytes(100))


def test_a_record_that_does_not_fit_names_the_schema() -> None:
    with pytest.raises(SerializationError, match="PersonMerged: record does not fit"):
        CODEC.encode("PersonMerged", {"surviving_id": "p-1"})


def test_no_schema_field_could_carry_a_name_or_date_of_birth() -> None:
    forbidden = (
        "name",
        "surname",
        "forename",
        "dob",
        "date_of_birth",
        "address",
        "postcode",
        "nhs_number",
        "pnc_id",
        "upn",
    )
    for schema in REGISTRY.current.values():
        text = json.dumps(schema.definition)
        fields = [f["name"] for f in _fields(schema.definition)]
        assert not [f for f in fields if f in forbidden], (schema.name, text[:80])


def _fields(node: object) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        found += [f for f in node.get("fields", []) if isinstance(f, dict)]
        for value in node.values():
            found += _fields(value)
    elif isinstance(node, list):
        for value in node:
            found += _fields(value)
    return found
