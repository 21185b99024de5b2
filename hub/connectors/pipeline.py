"""The one connector pipeline: read, map and validate, pseudonymise and encode, store, publish.

Every row ends in exactly one outcome, counted in the run summary: published, quarantined
(with file, row, field and reason), or skipped as a duplicate of an event already published.
Events reach the durable outbox before Kafka, so a kill at any point loses nothing.
"""

from __future__ import annotations

import gc
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field

from hub.connectors.batches import BATCH_ROWS, BatchSource, EncodedBatch
from hub.connectors.metrics import ConnectorMetrics
from hub.connectors.outbox import Outbox, PendingEvent
from hub.connectors.publisher import Publisher, Sent
from hub.connectors.quarantine import QuarantineFile
from hub.connectors.reader import InputFile
from hub.errors import SourceUnavailableError

log = logging.getLogger(__name__)

_GC_YOUNG = 20_000  # allocations between young-generation collections while a file runs
# Events sent but not yet acknowledged before the pipeline waits: a few batches, so reading
# and encoding overlap Kafka's writes without an unbounded backlog in memory.
MAX_IN_FLIGHT = 4 * BATCH_ROWS


@dataclass
class RunSummary:
    read: int = 0
    published: int = 0
    quarantined: int = 0
    duplicates: int = 0
    files: int = 0
    files_skipped: int = 0
    files_refused: list[str] = field(default_factory=list)
    held_in_outbox: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.read / self.seconds if self.seconds else 0.0


class Pipeline:
    """One partner's connector run over any number of input files."""

    def __init__(
        self,
        source: BatchSource,
        topic: str,
        outbox: Outbox,
        quarantine: QuarantineFile,
        metrics: ConnectorMetrics,
        publisher: Publisher | None,  # None: dry run, nothing is stored or sent
        progress: Callable[[int], None] = lambda _rows: None,
    ) -> None:
        self.source = source
        self.topic = topic
        self.outbox = outbox
        self.quarantine = quarantine
        self.metrics = metrics
        self.publisher = publisher
        self.progress = progress
        self.summary = RunSummary()

    def run_file(self, file: InputFile) -> None:
        """Process one file from where an earlier run stopped; a finished file is skipped."""
        started = time.monotonic()
        last_row, complete = self.outbox.position(file.digest)
        if complete and self.publisher is not None:
            self.summary.files_skipped += 1
            log.debug(
                "%s was fully processed before (sha256 %s); skipping",
                file.display,
                file.digest[:12],
            )
            return
        row_number = last_row
        # Publishing: batches are stored and sent on a background thread while the next one
        # is read and encoded (by default in a child process: ``encoder_process``).
        stager = None
        if self.publisher is not None:
            self.publisher.warm_up()
            stager = _Stager(self._store)
        collect = gc.get_threshold()
        # Rows make short-lived, acyclic objects (freed by reference counting); the default
        # young-generation collection every 700 allocations found nothing to free yet cost
        # ~5 us a row. Collect every 20,000 instead while the file runs, then restore.
        gc.set_threshold(_GC_YOUNG, *collect[1:])
        try:
            with closing(self.source.batches(file, last_row)) as batches:
                for batch in batches:
                    row_number = batch.last_row
                    self._hand_over(stager, batch, file)
        finally:
            gc.set_threshold(*collect)
            if stager is not None:
                stager.finish()  # raises the first error of a batch, if there was one
        if self.publisher is not None:
            self.outbox.mark_complete(file.digest, file.display, row_number)
            self.flush_outbox()
        self.summary.files += 1
        self.summary.seconds += time.monotonic() - started

    def _hand_over(self, stager: _Stager | None, batch: EncodedBatch, file: InputFile) -> None:
        """A batch is encoded: its quarantined rows to disk first, then store and send it."""
        self.summary.read += batch.read
        self.metrics.read.inc(batch.read)
        for item in batch.quarantined:
            self.quarantine.add(item)
            self.summary.quarantined += 1
            self.metrics.quarantined(item.kind)
        self.quarantine.flush()  # before the position passes the rows it quarantined
        self.progress(batch.last_row)
        if stager is None:
            self._store(batch.events, file, batch.last_row)
        else:
            stager.put(batch.events, file, batch.last_row)

    def _store(self, batch: list[PendingEvent], file: InputFile, row: int) -> None:
        """Make a batch durable with its input position, then start sending it.

        Acknowledgements that arrived meanwhile are stored in the same transaction. A batch is
        sent straight away only when nothing older waits in the outbox (so Kafka gets events
        in outbox order); otherwise the outbox is flushed oldest first.
        """
        fresh = self._without_duplicates(batch)
        if self.publisher is None:
            self.summary.published += len(fresh)  # dry run: would be published
            return
        done = self.publisher.collect(keep_at_most=MAX_IN_FLIGHT)
        self.outbox.enqueue(fresh, file.digest, file.display, row, done.acknowledged)
        self._count(done)
        if self.publisher.in_flight > MAX_IN_FLIGHT:
            raise SourceUnavailableError(
                f"Kafka at {self.publisher.settings.bootstrap_servers} has acknowledged nothing "
                f"for {self.publisher.settings.kafka.request_timeout_s:.0f} s; "
                f"{self.outbox.pending_count()} events wait in the outbox"
            )
        in_order = self.outbox.pending_count() == self.publisher.in_flight + len(fresh)
        if in_order and not self.publisher.needs_reconcile:
            self.publisher.submit(fresh)
        else:
            self.flush_outbox()

    def _without_duplicates(self, batch: list[PendingEvent]) -> list[PendingEvent]:
        """The batch less events already published, waiting, or earlier in the batch; the
        usual batch has none, and is checked with set operations rather than event by event
        (this runs on the store thread, where Python takes the GIL from the encoder)."""
        ids = [e.event_id for e in batch]
        unique = dict(zip(reversed(ids), reversed(batch), strict=True))  # the first kept
        known = self.outbox.known(unique) if self.publisher is not None else set()
        if len(unique) == len(batch) and not known:
            fresh = batch
        else:
            fresh = [e for e in batch if unique.pop(e.event_id, None) is e]
            fresh = [e for e in fresh if e.event_id not in known] if known else fresh
        skipped = len(batch) - len(fresh)
        self.summary.duplicates += skipped
        self.metrics.duplicates.inc(skipped)
        return fresh

    def flush_outbox(self) -> None:
        """Send what the outbox holds and wait; what Kafka does not take now stays for later."""
        assert self.publisher is not None
        done = self.publisher.collect(keep_at_most=0)
        if done.acknowledged:
            self.outbox.acknowledge(done.acknowledged)
        self._count(done)
        while not self.publisher.in_flight and not done.failed and self.outbox.pending_count():
            done = self.publisher.send_pending()
            self._count(done)
            if not done.acknowledged:
                break
        self.summary.held_in_outbox = self.outbox.pending_count()
        self.metrics.outbox.set(self.summary.held_in_outbox)

    def _count(self, sent: Sent) -> None:
        """Count acknowledgements that have just been stored."""
        if sent.acknowledged:
            self.summary.published += len(sent.acknowledged)
            self.metrics.published.inc(len(sent.acknowledged))
            self.metrics.publish_latency.observe(sent.seconds)
            self.metrics.last_publish.set(time.time())


_SWITCH_INTERVAL_S = 0.0005


class _Stager:
    """Runs ``store(batch, file, row)`` for each batch in order on one background thread.

    At most ``depth`` batches wait, so memory stays bounded and reading slows to Kafka's and
    the disk's pace. After a batch fails, no later batch is stored (its input position must
    not pass the failed batch's rows); the error is raised in the caller's thread by the next
    ``put`` or by ``finish``.
    """

    def __init__(
        self, store: Callable[[list[PendingEvent], InputFile, int], None], depth: int = 2
    ) -> None:
        self._store = store
        self._jobs: queue.Queue[tuple[list[PendingEvent], InputFile, int] | None] = queue.Queue(
            depth
        )
        self._error: BaseException | None = None  # raised once, in the caller's thread
        self._failed = False  # for good: no later batch is stored
        # The store thread takes the GIL back after each SQLite step and fsync; by default it
        # waits up to 5 ms each time behind the busy encoding thread (a convoy). Shorter
        # turns while both run, restored after: measured 4x faster batch stores under load.
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, _SWITCH_INTERVAL_S))
        self._thread = threading.Thread(target=self._work, name="connector-store", daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            if not self._failed:
                try:
                    self._store(*job)
                except BaseException as exc:  # handed to the caller's thread
                    self._error, self._failed = exc, True

    def put(self, batch: list[PendingEvent], file: InputFile, row: int) -> None:
        self._raise()
        self._jobs.put((batch, file, row))

    def finish(self) -> None:
        """Wait for every batch handed over; raise the first failure."""
        self._jobs.put(None)
        self._thread.join()
        sys.setswitchinterval(self._switch_interval)
        self._raise()

    def _raise(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error
