"""Schema evolution: every schema must read, and be read by, each earlier released version.

Partners upgrade independently, so the aim is full transitive compatibility: a new reader
reads old data (backward) and an old reader reads new data (forward), against every released
version, not just the last. Two checks, because neither alone is enough: a structural check
that names the field and the Avro resolution rule broken, and real resolution (encode samples
with the writer, decode with the reader through fastavro). Fingerprints are never compared:
the canonical form ignores docs, defaults and logical types.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro.schema import parse_schema

from hub.contracts.registry import Registry, Schema, released
from hub.contracts.samples import samples

_PROMOTIONS = {
    "int": {"long", "float", "double"},
    "long": {"float", "double"},
    "float": {"double"},
    "string": {"bytes"},
    "bytes": {"string"},
}


@dataclass(frozen=True)
class Incompatibility:
    schema: str
    against: int
    direction: str  # "backward" (new reads old) or "forward" (old reads new)
    path: str
    rule: str

    def __str__(self) -> str:
        where = f"{self.schema} vs released v{self.against} ({self.direction})"
        return f"{where}: {self.path}: {self.rule}"


def check_all(registry: Registry) -> list[Incompatibility]:
    problems: list[Incompatibility] = []
    for old in released():
        current = registry.current.get(old.name)
        if current is None:
            problems.append(
                Incompatibility(
                    old.name, old.version, "backward", old.name, "released schema no longer exists"
                )
            )
            continue
        problems += check_pair(current, old)
    return problems


def check_pair(current: Schema, old: Schema) -> list[Incompatibility]:
    found = []
    for direction, writer, reader in (("backward", old, current), ("forward", current, old)):
        rules = structural(writer.definition, reader.definition, current.name, {})
        rules += resolution(writer.definition, reader.definition) if not rules else []
        found += [Incompatibility(current.name, old.version, direction, p, r) for p, r in rules]
    return found


def resolution(writer: dict[str, Any], reader: dict[str, Any]) -> list[tuple[str, str]]:
    parsed_writer, parsed_reader = parse_schema(writer), parse_schema(reader)
    for n, record in enumerate(samples(writer)):
        buffer = BytesIO()
        schemaless_writer(buffer, parsed_writer, record)
        buffer.seek(0)
        try:
            schemaless_reader(buffer, parsed_writer, parsed_reader)
        except Exception as exc:  # any resolution failure is the finding
            return [(f"sample {n}", f"resolution failed: {exc}")]
    return []


def _type_name(node: Any) -> str:
    if isinstance(node, dict):
        kind = node["type"]
        return str(node.get("name", kind)) if isinstance(kind, str) else _type_name(kind)
    return "union" if isinstance(node, list) else str(node)


def structural(writer: Any, reader: Any, path: str, named: dict[str, Any]) -> list[tuple[str, str]]:
    """The Avro specification's resolution rules, reporting field paths."""
    writer, reader = _deref(writer, named), _deref(reader, named)
    if isinstance(writer, list) or isinstance(reader, list):
        w_branches = writer if isinstance(writer, list) else [writer]
        r_branches = reader if isinstance(reader, list) else [reader]
        out = []
        for branch in w_branches:
            if not any(not structural(branch, r, path, named) for r in r_branches):
                out.append(
                    (path, f"writer union branch {_type_name(branch)} has no match in the reader")
                )
        return out
    w_kind = writer["type"] if isinstance(writer, dict) else writer
    r_kind = reader["type"] if isinstance(reader, dict) else reader
    if isinstance(w_kind, dict | list) or isinstance(r_kind, dict | list):
        return structural(
            w_kind if isinstance(w_kind, dict | list) else writer,
            r_kind if isinstance(r_kind, dict | list) else reader,
            path,
            named,
        )
    if w_kind != r_kind:
        if r_kind in _PROMOTIONS.get(w_kind, set()):
            return []
        return [(path, f"type changed from {w_kind} to {r_kind}")]
    if w_kind == "record":
        return _records(writer, reader, path, named)
    if w_kind == "enum":
        missing = set(writer["symbols"]) - set(reader["symbols"])
        if missing and "default" not in reader:
            return [
                (path, f"enum symbols {sorted(missing)} removed, and the reader has no default")
            ]
    if w_kind == "array":
        return structural(writer["items"], reader["items"], path + "[]", named)
    if w_kind == "map":
        return structural(writer["values"], reader["values"], path + "{}", named)
    return []


def _records(
    writer: dict[str, Any], reader: dict[str, Any], path: str, named: dict[str, Any]
) -> list[tuple[str, str]]:
    out = []
    written = {f["name"]: f for f in writer["fields"]}
    for field in reader["fields"]:
        here = f"{path}.{field['name']}"
        if field["name"] in written:
            out += structural(written[field["name"]]["type"], field["type"], here, named)
        elif "default" not in field:
            out.append((here, "field added without a default"))
    return out


def _deref(node: Any, named: dict[str, Any]) -> Any:
    if isinstance(node, dict) and isinstance(node.get("type"), str) and "name" in node:
        named[node["name"]] = node
        if "namespace" in node:
            named[f"{node['namespace']}.{node['name']}"] = node
    if isinstance(node, str) and node in named:
        return named[node]
    return node
