"""The alert document: built from a decoded PanelAlert, JSON-safe, matching its JSON Schema,
and its sealed identity opens after the round trip."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from hub.contracts.codec import Codec
from hub.delivery.document import SCHEMA, alert_document, created_at, sealed_from_document
from hub.delivery.samples import encoded, synthetic_alert
from hub.errors import SerializationError
from privacy.keyring import (
    generate_partnership,
    load_recipient_private,
    load_recipient_public,
    load_signing,
    load_verify_keys,
)
from privacy.seal import Opener, Sealer

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schemas/json/alert-document.schema.json"
_TYPES: dict[str, Any] = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "null": type(None),
}


def _check(schema: dict[str, Any], value: Any, where: str = "$") -> None:
    """The subset of JSON Schema the document's schema uses, enforced (no library needed)."""
    if "oneOf" in schema:
        passed = 0
        for option in schema["oneOf"]:
            try:
                _check(option, value, where)
                passed += 1
            except AssertionError:
                pass
        assert passed == 1, f"{where}: matches {passed} of oneOf"
    if "const" in schema:
        assert value == schema["const"], where
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in enum"
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        assert any(isinstance(value, _TYPES[k]) for k in kinds), f"{where}: not {kinds}"
    if isinstance(value, str) and "pattern" in schema:
        assert re.search(schema["pattern"], value), f"{where}: {value!r} !~ {schema['pattern']}"
    if isinstance(value, str) and "minLength" in schema:
        assert len(value) >= schema["minLength"], where
    if isinstance(value, dict):
        for name in schema.get("required", []):
            assert name in value, f"{where}: missing {name}"
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in props:
                _check(props[name], item, f"{where}.{name}")
            elif extra is False:
                raise AssertionError(f"{where}: unexpected {name}")
            elif isinstance(extra, dict):
                _check(extra, item, f"{where}.{name}")
    if isinstance(value, list):
        assert len(value) >= schema.get("minItems", 0), where
        for i, item in enumerate(value):
            _check(schema.get("items", {}), item, f"{where}[{i}]")


def _decoded(record: dict[str, Any]) -> dict[str, Any]:
    codec = Codec()
    return codec.decode(encoded(record, codec)[1])[1]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("keys")
    generate_partnership(out, ["police"], ["panels"])
    return out


def test_document_matches_schema_and_is_json(keys: Path) -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    sealer = Sealer(
        load_recipient_public(keys / "recipient-panels.public.json"),
        load_signing(keys / "signing-police.json"),
    )
    plain = synthetic_alert(1, "engage-E01900012")
    sealed = sealer.seal(plain["evidence"][0]["event_id"], {"family_name": "Testperson"})
    for record in (plain, synthetic_alert(2, "iom", sealed=sealed.to_dict())):
        document = alert_document(_decoded(record))
        assert json.loads(json.dumps(document)) == document
        _check(schema, document)
        assert document["schema"] == SCHEMA
        assert document["alert_id"] == record["alert_id"]
        assert document["created_at"].endswith("Z")
        assert abs(created_at(document) - record["created_at"]).total_seconds() < 0.001
    assert alert_document(_decoded(plain))["panel_family"] == "engage"


def test_schema_rejects_what_the_builder_never_makes() -> None:
    schema = json.loads(SCHEMA_FILE.read_text())
    document = alert_document(_decoded(synthetic_alert(3, "iom")))
    for broken in (
        {**document, "extra": 1},
        {k: v for k, v in document.items() if k != "sealed"},
        {**document, "panel_family": "nobody"},
        {**document, "evidence": [{**document["evidence"][0], "occurred_on": "1 Jan"}]},
    ):
        with pytest.raises(AssertionError):
            _check(schema, broken)


def test_sealed_identity_survives_the_document_and_opens(keys: Path) -> None:
    sealer = Sealer(
        load_recipient_public(keys / "recipient-panels.public.json"),
        load_signing(keys / "signing-police.json"),
    )
    record = synthetic_alert(4, "iom")
    bound_to = record["evidence"][0]["event_id"]
    record["sealed"] = sealer.seal(bound_to, {"family_name": "Testperson"}).to_dict()
    document = json.loads(json.dumps(alert_document(_decoded(record))))
    sealed = sealed_from_document(document)
    assert sealed is not None
    opener = Opener(
        load_recipient_private(keys / "recipient-panels.private.json"),
        load_verify_keys(keys / "partners.public.json"),
    )
    assert opener.open(sealed, bound_to)["family_name"] == "Testperson"
    assert sealed_from_document(alert_document(_decoded(synthetic_alert(5, "iom")))) is None


def test_bad_alerts_are_refused_with_the_field() -> None:
    record = _decoded(synthetic_alert(6, "iom"))
    with pytest.raises(SerializationError, match="not in any panel family"):
        alert_document({**record, "panel": "nobody"})
    with pytest.raises(SerializationError, match="missing field person_id"):
        alert_document({k: v for k, v in record.items() if k != "person_id"})
