"""Flags in, panel alerts out: match routes, group per person, respect repeat interval and
silences, and keep only the fields each panel may see."""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta
from typing import Any

from hub.routing.config import Route, Routing, family_of

Flag = dict[str, Any]


#: A route's match, ready to test: (attribute, allowed values | compiled regex | wanted value).
_Test = tuple[str, frozenset[str] | re.Pattern[str] | str]
_compiled: dict[int, tuple[Routing, list[tuple[Route, list[_Test]]]]] = {}


def _tests(route: Route) -> list[_Test]:
    tests: list[_Test] = []
    for key, wanted in route.match.items():
        if isinstance(wanted, list):
            tests.append((key, frozenset(wanted)))
        elif wanted.startswith("~"):
            tests.append((key, re.compile(wanted[1:])))
        else:
            tests.append((key, wanted))
    return tests


def _routes(routing: Routing) -> list[tuple[Route, list[_Test]]]:
    """The routes with their matches compiled once per routing (frozen), not per flag."""
    found = _compiled.get(id(routing))
    if found is None or found[0] is not routing:
        if len(_compiled) > 16:  # routings are loaded once a process; tests load many
            _compiled.clear()
        found = _compiled[id(routing)] = (routing, [(r, _tests(r)) for r in routing.routes])
    return found[1]


def _passes(tests: list[_Test], attributes: dict[str, str]) -> bool:
    for key, wanted in tests:
        have = attributes.get(key, "")
        if isinstance(wanted, str):
            if have != wanted:
                return False
        elif isinstance(wanted, frozenset):
            if have not in wanted:
                return False
        elif not wanted.search(have):
            return False
    return True


def panels_for(routing: Routing, attributes: dict[str, str]) -> list[str]:
    found: list[str] = []
    for route, tests in _routes(routing):
        if _passes(tests, attributes):
            panel = route.panel.replace("{area}", attributes.get("area") or "unknown")
            if panel not in found:
                found.append(panel)
            if not route.continue_:
                break
    return found


def silenced(routing: Routing, panel: str, flag: Flag, today: date) -> bool:
    return any(
        s.panel == panel
        and s.until >= today
        and (s.rule is None or s.rule == flag["rule_id"])
        and (s.person_id is None or s.person_id == flag["person_id"])
        for s in routing.silences
    )


def route(
    routing: Routing, flags: list[Flag], memory: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Alerts for one person's new flags, and the updated repeat-interval memory.

    ``memory`` maps "panel|person|rule" to the event date last alerted (ISO); event time,
    not wall time, so replaying history gives the same alerts.
    """
    memory = dict(memory)
    grouped: dict[str, list[Flag]] = {}
    for flag in flags:
        today = date.fromisoformat(flag["occurred_on"])
        for panel in panels_for(routing, flag["attributes"]):
            key = f"{panel}|{flag['person_id']}|{flag['rule_id']}"
            last = memory.get(key)
            if last and today - date.fromisoformat(last) < timedelta(
                days=routing.repeat_interval_days
            ):
                continue
            if silenced(routing, panel, flag, today):
                continue
            memory[key] = flag["occurred_on"]
            grouped.setdefault(panel, []).append(flag)
    return [alert(routing, panel, group) for panel, group in sorted(grouped.items())], memory


def alert(routing: Routing, panel: str, flags: list[Flag]) -> dict[str, Any]:
    family = family_of(panel) or "default"
    allowed = set(routing.fields.get(family, routing.fields["default"]))
    rules = sorted({f["rule_id"] for f in flags})
    flag_ids = sorted(f["flag_id"] for f in flags)
    person = flags[0]["person_id"]
    alert_id = hashlib.sha256("\x1f".join([panel, person, *rules, *flag_ids]).encode()).hexdigest()[
        :24
    ]
    evidence = {}
    for flag in flags:
        for e in flag["evidence"]:
            evidence[e["event_id"]] = {
                "event_id": e["event_id"],
                "partner": e["partner"],  # which partner saw it: every panel may know that
                "occurred_on": e["occurred_on"],
                "category": e["category"] if "evidence_category" in allowed else None,
                "source_record_ref": e["source_record_ref"] if "evidence_ref" in allowed else "",
            }
    attributes = flags[-1]["attributes"]
    fields = {
        k: str(attributes[k]) for k in sorted(allowed & set(attributes)) if attributes[k] != ""
    }
    return {
        "alert_id": alert_id,
        "panel": panel,
        "family": family,
        "person_id": person,
        "rules": rules,
        "evidence": sorted(evidence.values(), key=lambda e: e["occurred_on"]),
        "fields": fields,
    }
