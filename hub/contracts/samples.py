"""Deterministic sample records for any schema: every field, every union branch, every symbol.

Sample ``i`` takes union branch ``i mod n`` and enum symbol ``i mod n``, so a handful of
samples exercises every shape a writer can produce; the compatibility check decodes them
with each reader.
"""

from __future__ import annotations

from typing import Any


def samples(schema: dict[str, Any], count: int = 6) -> list[dict[str, Any]]:
    named: dict[str, Any] = {}
    return [_value(schema, i, named, 0) for i in range(count)]


def _value(node: Any, i: int, named: dict[str, Any], depth: int) -> Any:
    if isinstance(node, list):
        return _value(node[i % len(node)], i, named, depth)
    if isinstance(node, str):
        if node in named:
            return _value(named[node], i, named, depth)
        return _primitive(node, i)
    kind = node["type"]
    if isinstance(kind, list | dict):
        return _value(kind, i, named, depth)
    if kind == "record":
        named[node["name"]] = node
        if "namespace" in node:
            named[f"{node['namespace']}.{node['name']}"] = node
        return {
            f["name"]: _value(f["type"], i + n, named, depth + 1)
            for n, f in enumerate(node["fields"])
        }
    if kind == "enum":
        named[node["name"]] = node
        if "namespace" in node:
            named[f"{node['namespace']}.{node['name']}"] = node
        return node["symbols"][i % len(node["symbols"])]
    if kind == "array":
        return [_value(node["items"], i + k, named, depth + 1) for k in range(1 + i % 2)]
    if kind == "map":
        return {f"k{i}": _value(node["values"], i, named, depth + 1)}
    if kind == "fixed":
        return bytes(node["size"])
    return _primitive(kind, i)


def _primitive(kind: str, i: int) -> Any:
    return {
        "null": None,
        "boolean": i % 2 == 0,
        "int": i,
        "long": 1_700_000_000_000 + i,
        "float": 0.5 + i,
        "double": 0.25 + i,
        "bytes": bytes([i % 256, 1]),
        "string": f"s{i}",
    }[kind]
