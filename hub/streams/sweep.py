"""The rules stage's periodic sweep: time-based rules evaluated against the clock.

Runs on a Faust timer (``worker.sweep_interval_s``) in the worker that holds the person
tables, under the same lock as the rules agent's batches, so it never interleaves with a batch
that is between sending outputs and writing state. It reads every local timeline, asks
hub.rules.clock what today makes true, and sends flags and routed alerts exactly as the rules
stage does (hub.streams.rules). A flag the sweep has raised is remembered in the person's
repeat-interval memory under ``flag|<id>``, so later sweeps do not send it again; one it
raised twice in a crash is deduplicated downstream on its id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from hub.rules.clock import due
from hub.streams.rules import RulesStep

log = logging.getLogger(__name__)

SWEPT = "flag|"


class Sweeper:
    def __init__(self, step: RulesStep, clock: Callable[[], date]) -> None:
        self.step = step
        self.clock = clock

    async def run(self) -> int:
        """One sweep; the number of flags raised. The caller holds the rules lock."""
        step = self.step
        today = self.clock()
        step.begin()
        raised = 0
        for person, timeline in list(step.timelines.scan()):
            if not timeline or step.redirects.get(person) is not None:
                continue  # merged into another person: the survivor carries the history
            memory = step.alerted.get(person) or {}
            flags = [
                f
                for f in due(step.policy, person, timeline, today)
                if SWEPT + f["flag_id"] not in memory
            ]
            if not flags:
                continue
            memory = {**memory, **{SWEPT + f["flag_id"]: today.isoformat() for f in flags}}
            step.alerted[person] = memory
            step.emit(person, timeline, flags, memory)
            raised += len(flags)
        await step.commit()
        if raised:
            log.info("sweep for %s raised %d time-based flags", today, raised)
        return raised
