"""Explain a person (the links and merges that built it) and undo a wrong merge.

The linker keeps, in each person's record, every link it made (event, partner, method,
score, candidates compared) and every merge (which person, by which event, and which
encodings and identifier tokens the merged person brought). That is enough to answer
"why are these records one person?" and to take a merge back without replaying the stream.

An unmerge removes the redirect, gives the survivor back exactly what the merge added, and
records the decision in both persons, who are kept apart from then on (an event carrying both
their tokens joins the survivor without merging them again). Events linked to the survivor
after the merge keep their decision: re-linking them is a replay, not an undo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hub.errors import LinkageError
from hub.linkage.store import LinkageStore, resolve


@dataclass(frozen=True)
class Link:
    person_id: str  # the id the event was linked to at the time
    event_id: str
    partner: str
    method: str
    score: float
    candidates: int


@dataclass(frozen=True)
class Merge:
    survivor: str
    merged: str
    event_id: str
    method: str = "exact"


@dataclass(frozen=True)
class Unmerge:
    survivor: str
    merged: str
    reason: str
    at: str
    removed_encodings: tuple[str, ...] = ()
    removed_tokens: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Explanation:
    person_id: str  # the surviving id
    links: list[Link] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    unmerges: list[Unmerge] = field(default_factory=list)


def _person(store: LinkageStore, person_id: str) -> dict[str, Any]:
    record = store.get(f"p:{person_id}")
    if record is None:
        raise LinkageError(f"no person {person_id} in the linkage state")
    return dict(record)


def explain(store: LinkageStore, person_id: str) -> Explanation:
    """Every link and merge behind ``person_id`` (or its survivor, if it was merged)."""
    survivor = resolve(store, person_id)
    out = Explanation(survivor)
    pending, seen = [survivor], set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        record = _person(store, pid)
        out.links.extend(
            Link(pid, event, partner, method, float(score), int(candidates))
            for event, partner, method, score, candidates in record.get("links", [])
        )
        undone = {u["merged"] for u in record.get("unmerged", []) if u["survivor"] == pid}
        for m in record.get("merges", []):
            if m["merged"] in undone:
                continue
            out.merges.append(Merge(pid, m["merged"], m["e"]))
            pending.append(m["merged"])
        out.unmerges.extend(
            Unmerge(u["survivor"], u["merged"], u["reason"], u["at"])
            for u in record.get("unmerged", [])
            if u["survivor"] == pid
        )
    out.links.sort(key=lambda link: (link.person_id != survivor, link.person_id))
    return out


def unmerge(store: LinkageStore, survivor: str, merged: str, reason: str) -> Unmerge:
    """Undo the merge of ``merged`` into ``survivor`` and record why."""
    if store.get(f"r:{merged}") != survivor:
        raise LinkageError(f"{merged} is not merged into {survivor}; nothing to undo")
    keep, gone = _person(store, survivor), _person(store, merged)
    entries = [m for m in keep.get("merges", []) if m["merged"] == merged]
    if not entries:
        raise LinkageError(f"{survivor} holds no record of merging {merged}")
    added = entries[-1]
    keep["clks"] = [c for c in keep["clks"] if c not in added["clks"]]
    removed_tokens: list[tuple[str, str]] = []
    for kind, values in added["strong"].items():
        keep["strong"][kind] = [v for v in keep["strong"].get(kind, []) if v not in values]
        removed_tokens += [(kind, v) for v in values]
    done = Unmerge(
        survivor,
        merged,
        reason,
        datetime.now(UTC).isoformat(timespec="seconds"),
        tuple(added["clks"]),
        tuple(removed_tokens),
    )
    note = {"survivor": survivor, "merged": merged, "reason": reason, "at": done.at}
    for record, other in ((keep, merged), (gone, survivor)):
        record["unmerged"] = [*record.get("unmerged", []), note]
        record["apart"] = sorted({*record.get("apart", []), other})
    store[f"p:{survivor}"] = keep
    store[f"p:{merged}"] = gone
    store[f"r:{merged}"] = None  # resolve() stops here: the merged id stands alone again
    return done
