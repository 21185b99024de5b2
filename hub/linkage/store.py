"""Where linkage state lives: any string-keyed store of JSON values (a dict, a Faust table).

Key spaces: ``t:<type>:<token>`` token -> person; ``b:<key>`` blocking key -> persons;
``p:<id>`` person -> representative encodings and strong tokens; ``r:<id>`` merged ->
surviving person; ``e:<event>`` the decision already taken for an event (idempotency).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Protocol


class LinkageStore(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def __setitem__(self, key: str, value: Any) -> None: ...


def memory_store() -> MutableMapping[str, Any]:
    return {}


def resolve(store: LinkageStore, person_id: str) -> str:
    """Follow merge redirects to the surviving person id."""
    seen = set()
    while (target := store.get(f"r:{person_id}")) is not None:
        if person_id in seen:  # a cycle would be a bug; stop rather than loop forever
            break
        seen.add(person_id)
        person_id = target
    return person_id
