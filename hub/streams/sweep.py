"""The rules stage's periodic sweep: time-based rules evaluated against the clock.

Runs on a Faust timer (``worker.sweep_interval_s``) in the worker that holds the person
tables, under the same lock as the rules agent's batches, so it never interleaves with a batch
that is between sending outputs and writing state. It reads every local timeline straight
from RocksDB (only people with something due touch the caches), lets the event loop run every
few hundred people, asks hub.rules.clock what today makes true, and sends flags and routed
alerts exactly as the rules stage does (hub.streams.rules). A flag the sweep has raised is
remembered in the person's repeat-interval memory under ``flag|<id>``, so later sweeps do
not send it again; one it raised twice in a crash is deduplicated downstream on its id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import date

from hub.rules.clock import due
from hub.streams.rules import RulesStep

log = logging.getLogger(__name__)

SWEPT = "flag|"
YIELD_EVERY = 500


class Sweeper:
    def __init__(self, step: RulesStep, clock: Callable[[], date]) -> None:
        self.step = step
        self.clock = clock

    async def run(self) -> int:
        """One sweep; the number of flags raised. The caller holds the rules lock."""
        step = self.step
        today = self.clock()
        step.begin()
        raised = people = 0
        for person, timeline in step.timelines.scan():
            people += 1
            if people % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # heartbeats and the link stage go on meanwhile
            found = due(step.policy, person, timeline or [], today)
            if not found or step.redirects.get(person) is not None:
                continue  # nothing due, or merged into another person who carries it
            memory = step.alerted.get(person) or {}
            flags = [f for f in found if SWEPT + f["flag_id"] not in memory]
            if not flags:
                continue
            memory = {**memory, **{SWEPT + f["flag_id"]: today.isoformat() for f in flags}}
            step.alerted[person] = memory
            step.emit(person, timeline, flags, memory)
            raised += len(flags)
        await step.commit()
        log.info("time-based sweep for %s: %d people, %d flags raised", today, people, raised)
        return raised
