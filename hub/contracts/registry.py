"""The schemas shipped in ``schemas/avro/``, by name and by fingerprint.

Each ``.avsc`` file defines one named type and may refer to types in others by name; the
registry expands every top-level schema into one self-contained definition (each named type
defined at its first use, as Avro requires), which fastavro, Apache Avro and the canonical
form all accept. Earlier released versions live in ``schemas/avro/released/<Name>/vN.avsc``
and resolve by fingerprint too, so data written by an older connector still decodes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastavro.schema import parse_schema, to_parsing_canonical_form

from hub.contracts.fingerprint import fingerprint_bytes
from hub.errors import SchemaError

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "avro"
NAMESPACE = "uk.csp.hub"
_NAMED = {"record", "enum", "fixed", "error"}


@dataclass(frozen=True)
class Schema:
    name: str  # short name, e.g. "PoliceCrimeEvent"
    version: int
    definition: dict[str, Any]  # expanded, self-contained JSON
    parsed: dict[str, Any]  # fastavro's parsed form
    fingerprint: bytes  # CRC-64-AVRO, little-endian

    @property
    def canonical(self) -> str:
        return str(to_parsing_canonical_form(self.definition))


class Registry:
    def __init__(self, current: dict[str, Schema], by_fingerprint: dict[bytes, Schema]) -> None:
        self.current = current
        self.by_fingerprint = by_fingerprint

    def get(self, name: str) -> Schema:
        try:
            return self.current[name]
        except KeyError:
            raise SchemaError(f"no schema named {name!r} in {SCHEMA_DIR}") from None

    def writer(self, fingerprint: bytes) -> Schema:
        try:
            return self.by_fingerprint[fingerprint]
        except KeyError:
            raise SchemaError(f"unknown schema fingerprint {fingerprint.hex()}") from None


def _is_named(node: dict[str, Any]) -> bool:
    return isinstance(node.get("type"), str) and node["type"] in _NAMED and "name" in node


def _full(name: str, namespace: str) -> str:
    return name if "." in name else f"{namespace}.{name}"


def _collect(node: Any, namespace: str, into: dict[str, dict[str, Any]]) -> None:
    if isinstance(node, dict):
        if _is_named(node):
            namespace = node.get("namespace", namespace)
            into[_full(node["name"], namespace)] = node
        for value in node.values():
            _collect(value, namespace, into)
    elif isinstance(node, list):
        for value in node:
            _collect(value, namespace, into)


def expand(node: Any, known: dict[str, dict[str, Any]], defined: set[str], namespace: str) -> Any:
    """Replace the first reference to each named type with its (expanded) definition."""
    if isinstance(node, str):
        full = _full(node, namespace)
        if full in known and full not in defined:
            return expand(known[full], known, defined, namespace)
        return node
    if isinstance(node, list):
        return [expand(v, known, defined, namespace) for v in node]
    if isinstance(node, dict):
        if _is_named(node):
            namespace = node.get("namespace", namespace)
            defined.add(_full(node["name"], namespace))
        out = {}
        for key, value in node.items():
            if key in ("type", "items", "values", "fields"):
                out[key] = expand(value, known, defined, namespace)
            else:
                out[key] = value
        return out
    return node


def _load_dir(directory: Path, known: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    raw: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.avsc")):
        try:
            raw[path.stem] = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise SchemaError(f"{path}: not JSON (line {exc.lineno})") from exc
        _collect(raw[path.stem], NAMESPACE, known)
    return raw


def build(name: str, version: int, raw: dict[str, Any], known: dict[str, dict[str, Any]]) -> Schema:
    definition = expand(raw, known, set(), NAMESPACE)
    if not isinstance(definition, dict):
        raise SchemaError(f"schema {name} v{version} is not a named record")
    try:
        parsed = parse_schema(definition)  # marked as parsed: the writer won't redo it
    except Exception as exc:
        raise SchemaError(f"schema {name} v{version} is invalid: {exc}") from exc
    canonical = str(to_parsing_canonical_form(definition))
    assert isinstance(parsed, dict)  # a named record parses to a dict
    return Schema(name, version, definition, parsed, fingerprint_bytes(canonical))


@cache
def load_registry(directory: Path = SCHEMA_DIR) -> Registry:
    """Load every current and released schema once per process."""
    known: dict[str, dict[str, Any]] = {}
    raw = _load_dir(directory, known)
    current = {n: build(n, _version(directory, n), s, known) for n, s in raw.items()}
    by_fingerprint = {s.fingerprint: s for s in current.values()}
    for old in released(directory):
        by_fingerprint.setdefault(old.fingerprint, old)
    return Registry(current, by_fingerprint)


def released(directory: Path = SCHEMA_DIR) -> list[Schema]:
    """Every frozen earlier version, each expanded against its own era's named types."""
    out = []
    for path in sorted((directory / "released").glob("*/v*.avsc")):
        known: dict[str, dict[str, Any]] = {}
        raw = json.loads(path.read_text())
        _collect(raw, NAMESPACE, known)
        out.append(build(path.parent.name, int(path.stem[1:]), raw, known))
    return out


def _version(directory: Path, name: str) -> int:
    versions = [int(p.stem[1:]) for p in (directory / "released" / name).glob("v*.avsc")]
    return max(versions, default=0) + (0 if versions and _same_as_latest(directory, name) else 1)


def _same_as_latest(directory: Path, name: str) -> bool:
    latest = max((directory / "released" / name).glob("v*.avsc"), key=lambda p: int(p.stem[1:]))
    known: dict[str, dict[str, Any]] = {}
    current = expand(
        json.loads((directory / f"{name}.avsc").read_text()),
        _all(directory, known),
        set(),
        NAMESPACE,
    )
    return bool(json.loads(latest.read_text()) == current)


def _all(directory: Path, known: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    _load_dir(directory, known)
    return known
