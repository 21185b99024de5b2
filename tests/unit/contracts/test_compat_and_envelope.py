"""Evolution checks catch real breaks; envelopes are deterministic and round-trip."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.contracts.compat import check_all, check_pair
from hub.contracts.envelope import EVENT_NAMESPACE, CloudEvent, event_id
from hub.contracts.registry import Schema, build, load_registry

REGISTRY = load_registry()


def test_current_schemas_are_compatible_with_every_released_version() -> None:
    assert check_all(REGISTRY) == []


def _variant(change: Any) -> Schema:
    base = REGISTRY.get("PersonMerged")
    definition = copy.deepcopy(base.definition)
    change(definition)
    return build("PersonMerged", base.version + 1, definition, {})


def test_a_field_added_without_default_breaks_backward_compatibility() -> None:
    new = _variant(lambda d: d["fields"].append({"name": "reason", "type": "string"}))
    problems = check_pair(new, REGISTRY.get("PersonMerged"))
    assert [(p.direction, p.path, p.rule) for p in problems] == [
        ("backward", "PersonMerged.reason", "field added without a default")
    ]


def test_a_field_added_with_a_default_is_fine_both_ways() -> None:
    new = _variant(
        lambda d: d["fields"].append(
            {"name": "reason", "type": ["null", "string"], "default": None}
        )
    )
    assert check_pair(new, REGISTRY.get("PersonMerged")) == []


def test_removing_an_enum_symbol_breaks_forward_reading_of_old_data() -> None:
    old = REGISTRY.get("PoliceCrimeEvent")
    definition = copy.deepcopy(old.definition)
    role = next(f for f in definition["fields"] if f["name"] == "role")
    role["type"]["symbols"].remove("witness")
    problems = check_pair(build("PoliceCrimeEvent", 2, definition, {}), old)
    assert any(
        p.direction == "backward" and p.path == "PoliceCrimeEvent.role" and "witness" in p.rule
        for p in problems
    )


def test_a_type_change_is_named() -> None:
    def change(d: dict[str, Any]) -> None:
        next(f for f in d["fields"] if f["name"] == "score")["type"] = "string"

    problems = check_pair(_variant(change), REGISTRY.get("PersonMerged"))
    assert {p.rule for p in problems} == {
        "type changed from double to string",
        "type changed from string to double",
    }


def test_event_ids_are_deterministic_and_version_sensitive() -> None:
    first = event_id("police", "tok-abc", 1)
    assert first == event_id("police", "tok-abc", 1)
    assert len({first, event_id("police", "tok-abc", 2), event_id("ed", "tok-abc", 1)}) == 3


@pytest.mark.parametrize(
    ("partner", "ref", "version"),
    [("police", "tok-abc", 1), ("ed", "", 0), ("yjs", "é\x1f/ü" * 9, 2**31 - 1)],
)
def test_event_id_is_the_standard_uuid5(partner: str, ref: str, version: int) -> None:
    name = f"{partner}\x1f{ref}\x1f{version}"
    assert event_id(partner, ref, version) == str(uuid.uuid5(EVENT_NAMESPACE, name))


def test_cloudevents_headers_round_trip() -> None:
    event = CloudEvent(
        "id-1",
        "/csp/partner/police",
        "uk.csp.hub.PoliceCrimeEvent.v1",
        datetime(2026, 1, 2, 3, 4, 5, 6000, tzinfo=UTC),
        "869be75229c44d64",
    )
    headers = event.headers()
    assert ("content-type", b"application/avro") in headers
    assert CloudEvent.from_headers(headers) == event
    with pytest.raises(ValueError, match="ce_specversion"):
        CloudEvent.from_headers([("ce_id", b"x")])
