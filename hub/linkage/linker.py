"""Assign each event a stable person id.

Exact keyed tokens decide first: the same NHS (or PNC, UPN, prison, local) token is the same
person, and an event carrying tokens of two known persons proves they are one (a merge).
Otherwise the event's keyed blocking keys find a handful of candidates, each scored by Dice
similarity against the person's representative encodings; the best above the threshold wins.
Guards: a candidate whose strong identifier of the same type differs is vetoed; a blocking key
shared by too many persons is skipped; only close matches join a person's representatives,
so a chain of weak links cannot drag strangers together.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from hub.linkage.explain import Explanation, Unmerge, explain, unmerge
from hub.linkage.store import LinkageStore, get_many, resolve
from privacy.clk import dice_many

STRONG_TYPES = ("nhs", "pnc", "upn", "prison")
Method = Literal["exact", "fuzzy", "new_person"]


@dataclass(frozen=True)
class LinkCandidate:
    event_id: str
    partner: str
    tokens: tuple[tuple[str, str], ...]  # (type, value); local ids carry a partner namespace
    clk: bytes | None
    blocking_keys: tuple[str, ...]


@dataclass(frozen=True)
class LinkDecision:
    event_id: str
    person_id: str
    method: Method
    score: float
    candidates: int
    merges: tuple[tuple[str, str], ...] = field(default=())  # (surviving, merged)

    def to_dict(self) -> dict[str, Any]:
        return {  # by hand: dataclasses.asdict deep-copies, a fifth of a fuzzy link's time
            "event_id": self.event_id,
            "person_id": self.person_id,
            "method": self.method,
            "score": self.score,
            "candidates": self.candidates,
            # No merges (nearly every decision): an empty tuple, stored as the same empty
            # array, and not one more list an event for the garbage collector to follow.
            "merges": [list(m) for m in self.merges] if self.merges else (),
        }


@dataclass(frozen=True)
class LinkerConfig:
    # Measured on a 20,000-person synthetic partnership (docs/linkage.md): 0.90 gives pairwise
    # precision 0.997, recall 0.999; 0.80 lets in near-strangers, 0.95 splits people.
    threshold: float = 0.90
    representative_threshold: float = 0.92
    max_representatives: int = 5
    block_cap: int = 40
    # A candidate found through one blocking view only (often the name-only view: a namesake)
    # needs this much; near misses corroborated by several views need less (CORROBORATION).
    single_view_threshold: float = 0.95


class Linker:
    def __init__(self, store: LinkageStore, config: LinkerConfig | None = None) -> None:
        self.store = store
        self._state: LinkageStore = store
        self.config = config or LinkerConfig()
        self.skipped_blocks = 0
        batched = getattr(store, "get_many", None)  # a RocksDB MultiGet, where there is one
        self._read_many: Callable[[Sequence[str]], list[Any]] = (
            (lambda keys: list(batched(keys)))
            if batched is not None
            else (lambda keys: get_many(store, keys))
        )
        self._token_keys: list[str] = []
        self._block_keys: list[str] = []

    def link(self, event: LinkCandidate) -> LinkDecision:
        # One event reads some keys twice (its blocks to find candidates, then to join them):
        # a per-event memo saves the second trip to a RocksDB-backed table.
        memo = self._state = _Memo(self.store, self._read_many)
        # The event's keys, built once for every step below.
        done_key = f"e:{event.event_id}"
        self._token_keys = [f"t:{kind}:{value}" for kind, value in event.tokens]
        self._block_keys = [f"b:{key}" for key in event.blocking_keys]
        # Everything the event will certainly read, in one batched read (RocksDB MultiGet):
        # per-key reads cost twice as much at a million people as at ten thousand, one
        # batched read of the same keys barely more (docs/scaling.md).
        memo.prefetch([done_key, *self._token_keys, *self._block_keys])
        done = memo.get(done_key)
        if done is not None:  # redelivered: same answer, no state change
            done = dict(done)  # a dict store hands out its own value: never mutate it
            merges = tuple(tuple(m) for m in done.pop("merges", ()))
            return LinkDecision(**done, merges=merges)
        decision = self._exact(event) or self._fuzzy(event)
        self._remember(event, decision)
        self._state[done_key] = decision.to_dict()
        return decision

    def explain(self, person_id: str) -> Explanation:
        """The links and merges behind a person (hub/linkage/explain.py)."""
        return explain(self.store, person_id)

    def unmerge(self, survivor: str, merged: str, reason: str) -> Unmerge:
        """Undo a wrong merge and record why (hub/linkage/explain.py)."""
        return unmerge(self.store, survivor, merged, reason)

    def _exact(self, event: LinkCandidate) -> LinkDecision | None:
        found = sorted(
            {
                resolve(self._state, pid)
                for key in self._token_keys
                if (pid := self._state.get(key)) is not None
            }
        )
        if not found:
            return None
        survivor, joined = found[0], list[str]()
        apart = set(self._apart(survivor))
        for other in found[1:]:
            # A pair an operator has unmerged stays apart, directly or through a third person.
            if other in apart or {survivor, *joined} & set(self._apart(other)):
                continue
            joined.append(other)
            apart.update(self._apart(other))
        merges = tuple((survivor, other) for other in joined)
        for _, merged in merges:
            self._merge(survivor, merged, event.event_id)
        return LinkDecision(event.event_id, survivor, "exact", 1.0, len(found), merges)

    def _apart(self, pid: str) -> list[str]:
        return list((self._state.get(f"p:{pid}") or {}).get("apart", []))

    def _fuzzy(self, event: LinkCandidate) -> LinkDecision:
        raw: dict[str, set[str]] = {}  # candidate -> the blocking views it shares
        for key, block_key in zip(event.blocking_keys, self._block_keys, strict=True):
            members = self._state.get(block_key) or []
            if len(members) >= self.config.block_cap:
                self.skipped_blocks += 1
                continue
            view = key.split(":", 1)[0]
            for pid in members:
                raw.setdefault(pid, set()).add(view)
        views = self._resolved(raw)
        best, best_score = None, 0.0
        if event.clk is not None and views:
            strong = {(k, v) for k, v in event.tokens if k in STRONG_TYPES}
            owners: list[str] = []
            encodings: list[bytes] = []
            for pid in self._worth_comparing(views):
                person = self._state.get(f"p:{pid}") or {}
                if _conflicts(strong, person.get("strong", {})):
                    continue
                for encoded in person.get("clks", []):
                    owners.append(pid)
                    encodings.append(base64.b64decode(encoded))
            if encodings:  # one vectorised comparison for every candidate encoding
                scores = dice_many(event.clk, encodings)
                top = int(scores.argmax())
                best_score = float(scores[top])  # reported even when nobody qualifies
                eligible = [
                    (float(score), pid)
                    for pid, score in zip(owners, scores, strict=True)
                    if self._qualifies(views[pid], float(score))
                ]
                if eligible:
                    best_score, best = max(eligible)
        if best is not None:
            return LinkDecision(event.event_id, best, "fuzzy", best_score, len(raw))
        new_id = "p-" + hashlib.sha256(event.event_id.encode()).hexdigest()[:16]
        return LinkDecision(event.event_id, new_id, "new_person", best_score, len(raw))

    def _resolved(self, raw: dict[str, set[str]]) -> dict[str, set[str]]:
        """Candidates by surviving id. Redirects are followed for the ids sharing two or more
        views; only when there are none, for every id (a block's worth at most), which also
        reunites a merged person whose views are split between its two ids. A lookup per
        block member would be the cost that grows with the population; merged ids are few."""
        several = {pid: shared for pid, shared in raw.items() if len(shared) > 1}
        if several:
            raw = several
        elif len(raw) > self.config.block_cap:
            return {}
        # The redirects and person records of these candidates, in one batched read.
        self._prefetch([key for pid in raw for key in (f"r:{pid}", f"p:{pid}")])
        views: dict[str, set[str]] = {}
        for pid, shared in raw.items():
            views.setdefault(resolve(self._state, pid), set()).update(shared)
        return views

    def _prefetch(self, keys: list[str]) -> None:
        if isinstance(self._state, _Memo):
            self._state.prefetch(keys)

    def _worth_comparing(self, views: dict[str, set[str]]) -> list[str]:
        """Candidates sharing two or more views; only when there are none, the single-view
        ones, and only a block's worth. This bounds the work per event whatever the
        population: a single-view candidate needs 0.95 and almost never has it, and common
        names fill single views first as the population grows."""
        several = sorted(pid for pid, shared in views.items() if len(shared) > 1)
        if several:
            return several
        return sorted(views) if len(views) <= self.config.block_cap else []

    def _qualifies(self, shared: set[str], score: float) -> bool:
        needed = self.config.threshold
        if len(shared) == 1:  # weak support: namesakes meet in the name-only view
            needed = max(needed, self.config.single_view_threshold)
        return score >= needed or _corroborates(shared, score)

    def _remember(self, event: LinkCandidate, decision: LinkDecision) -> None:
        pid = decision.person_id
        person = self._state.get(f"p:{pid}") or {"clks": [], "strong": {}}
        # Every scored link is kept, so a wrong merge can be explained and undone.
        # [event, partner, method, score, candidates], as a tuple: stored as the same array,
        # and a tuple of plain values is one the garbage collector stops following.
        person.setdefault("links", []).append(
            (event.event_id, event.partner, decision.method, round(decision.score, 4),
             decision.candidates)
        )  # fmt: skip
        for (kind, value), token_key in zip(event.tokens, self._token_keys, strict=True):
            if self._state.get(token_key) is None:
                self._state[token_key] = pid
            if kind in STRONG_TYPES and value not in person["strong"].setdefault(kind, []):
                person["strong"][kind].append(value)
        close = decision.method != "fuzzy" or decision.score >= self.config.representative_threshold
        if (
            event.clk is not None
            and close
            and len(person["clks"]) < self.config.max_representatives
        ):
            encoded = base64.b64encode(event.clk).decode()
            if encoded not in person["clks"]:
                person["clks"].append(encoded)
        self._state[f"p:{pid}"] = person
        for block_key in self._block_keys:
            members = self._state.get(block_key)
            if members is None:
                self._state[block_key] = [pid]
            elif pid not in members and len(members) < self.config.block_cap:
                # In place, and written back (the store protocol): a new list per update
                # was one more object an event for the garbage collector's oldest generation.
                members.append(pid)
                self._state[block_key] = members

    def _merge(self, survivor: str, merged: str, event_id: str) -> None:
        """Redirect ``merged`` to ``survivor``; note what it brought, so unmerge can undo it."""
        self._state[f"r:{merged}"] = survivor
        keep = self._state.get(f"p:{survivor}") or {"clks": [], "strong": {}}
        gone = self._state.get(f"p:{merged}") or {"clks": [], "strong": {}}
        room = max(self.config.max_representatives - len(keep["clks"]), 0)
        clks = [c for c in gone["clks"] if c not in keep["clks"]][:room]
        keep["clks"] = keep["clks"] + clks
        strong: dict[str, list[str]] = {}
        for kind, values in gone["strong"].items():
            keep["strong"].setdefault(kind, [])
            strong[kind] = [v for v in values if v not in keep["strong"][kind]]
            keep["strong"][kind] += strong[kind]
        keep.setdefault("merges", []).append(
            {"merged": merged, "e": event_id, "clks": clks, "strong": strong}
        )
        self._state[f"p:{survivor}"] = keep


class _Memo:
    """Reads remembered for one event, writes passed straight through."""

    def __init__(
        self, store: LinkageStore, read_many: Callable[[Sequence[str]], list[Any]]
    ) -> None:
        self.store = store
        self.read_many = read_many
        self.seen: dict[str, Any] = {}

    def prefetch(self, keys: list[str]) -> None:
        """Read the keys not yet seen, in one batched read where the store offers one."""
        seen = self.seen
        missing = [key for key in dict.fromkeys(keys) if key not in seen]
        if missing:
            seen.update(zip(missing, self.read_many(missing), strict=True))

    def get(self, key: str, default: Any = None) -> Any:
        found = self.seen.get(key, _UNSEEN)
        if found is _UNSEEN:
            found = self.seen[key] = self.store.get(key)
        return default if found is None else found

    def __setitem__(self, key: str, value: Any) -> None:
        self.store[key] = value
        self.seen[key] = value


_UNSEEN = object()


#: Near misses accepted when the keyed blocking views (privacy/blocking.py) they share
#: corroborate them, with the Dice score each needs. b2 is the first initial and full date of
#: birth, b3 the date of birth (day and month in either order) and postcode sector, b1 the
#: surname's Soundex and birth year, b5 the exact surname and birth month. Measured on
#: synthetic partnerships of 5,000 to 50,000 people (docs/linkage.md): candidates sharing
#: these views at these scores were the same person every time; the risk they accept is twins
#: (same surname, birth date and home), which only a strong identifier of one type can tell
#: apart, so the second tier, without the initial, asks for more.
CORROBORATION: tuple[tuple[frozenset[str], float], ...] = (
    (frozenset({"b1", "b2", "b3"}), 0.80),
    (frozenset({"b2", "b3"}), 0.85),
    (frozenset({"b1", "b3", "b5"}), 0.88),
)


def _corroborates(shared: set[str], score: float) -> bool:
    return any(score >= needed and views <= shared for views, needed in CORROBORATION)


def _conflicts(strong: set[tuple[str, str]], known: dict[str, list[str]]) -> bool:
    """A different identifier of a type both sides have is strong evidence of two people."""
    mine: dict[str, set[str]] = {}
    for kind, value in strong:
        mine.setdefault(kind, set()).add(value)
    return any(known.get(kind) and not values & set(known[kind]) for kind, values in mine.items())
