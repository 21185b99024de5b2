"""The worker process's cyclic garbage collector: full collections on a timer, not
whenever the heap has grown by a quarter.

CPython collects its oldest generation when the objects that survived since the last full
collection exceed a quarter of the long-lived heap. The worker's table caches
(hub.streams.state) keep hundreds of thousands of decoded timelines and linkage entries alive
and replace them as events arrive, so at 1,000 events/s that happened every 1.5 to 2 seconds,
and each full collection stopped the event loop for 130 to 460 ms on a loaded 2-core machine
(measured with ``gc.callbacks`` during bench/bench_latency.py): the worker's largest stall,
paid by whichever events were in flight. The young generations still collect as usual (a few
ms); the full collection runs every ``FULL_EVERY_S`` from a timer instead, so at most one
stall a minute. Objects alive once the worker has started (imported modules, the app) are
frozen out of every collection (``gc.freeze``): they live as long as the process.

Cost: cyclic garbage that outlives two young collections waits up to a minute to be freed.
"""

from __future__ import annotations

import gc
import logging
import time

log = logging.getLogger(__name__)

FULL_EVERY_S = 60.0
#: The oldest generation's threshold: a count of young collections CPython never reaches.
NEVER = 2**30


class Collector:
    """Takes the full collection over from CPython's heuristic while the worker runs."""

    def __init__(self) -> None:
        self.deferred = False
        self._thresholds = gc.get_threshold()

    def defer(self) -> None:
        """From now on, full collections happen in ``collect`` only."""
        if self.deferred:
            return
        gc.collect()
        gc.freeze()
        young, middle, _oldest = self._thresholds
        gc.set_threshold(young, middle, NEVER)
        self.deferred = True
        log.info(
            "full garbage collections every %.0f s from now on; %d objects frozen",
            FULL_EVERY_S,
            gc.get_freeze_count(),
        )

    def collect(self) -> float:
        """One full collection; the seconds it took (logged when it was long)."""
        started = time.perf_counter()
        gc.collect()
        took = time.perf_counter() - started
        if took > 0.1:
            log.info("full garbage collection took %.0f ms", took * 1000)
        return took

    def restore(self) -> None:
        """CPython's own policy again (the worker stopped)."""
        if self.deferred:
            gc.set_threshold(*self._thresholds)
            gc.unfreeze()
            self.deferred = False
