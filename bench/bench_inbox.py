"""How the inbox store and sign-in cost grow: add_alert rate, a member's list, Argon2 verify.

    .venv/bin/python bench/bench_inbox.py [--alerts 20000] [--db sqlite:///path.db]

Prints figures; asserts nothing (speed is measured here, never in tests).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hub.inbox import passwords  # noqa: E402
from hub.inbox.authz import Viewer  # noqa: E402
from hub.inbox.store import InboxStore  # noqa: E402
from hub.panels.directory import load_directory  # noqa: E402
from tests.unit.inbox.factory import document  # noqa: E402

PANELS = ["iom", "sv-hub", "complex-safeguarding", "engage-E01900012", "engage-E01900013"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--alerts", type=int, default=20_000)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='inbox-bench-')}/inbox.db"
    store = InboxStore.open(url)
    docs = [document(PANELS[i % len(PANELS)]) for i in range(args.alerts)]
    start = time.perf_counter()
    for doc in docs:
        store.add_alert(doc)
    took = time.perf_counter() - start
    print(f"add_alert: {args.alerts} alerts in {took:.2f} s = {args.alerts / took:,.0f}/s ({url})")
    start = time.perf_counter()
    again = sum(store.add_alert(doc) for doc in docs[:2000])
    took = time.perf_counter() - start
    print(f"add_alert of 2000 already stored: {2000 / took:,.0f}/s (new: {again})")
    viewer = Viewer.of(load_directory(), "iom.lead")
    assert viewer is not None
    exact, prefixes = viewer.panel_query()
    for label, kwargs in (("iom.lead", {}), ("iom.lead, rule filter", {"rule": "x"})):
        start = time.perf_counter()
        for _ in range(20):
            found = store.list_alerts(
                viewer.can_see, panels=exact, panel_prefixes=prefixes, **kwargs
            )
        took = (time.perf_counter() - start) / 20
        print(f"list ({label}): {len(found)} rows in {took * 1000:.1f} ms")
    stored = passwords.hash_password("a benchmark passphrase")
    start = time.perf_counter()
    for _ in range(10):
        passwords.verify_password(stored, "a benchmark passphrase")
    print(f"Argon2id verify (sign-in cost): {(time.perf_counter() - start) * 100:.0f} ms")
    store.close()


if __name__ == "__main__":
    main()
