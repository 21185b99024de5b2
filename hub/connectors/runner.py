"""Run one partner's connector over files, a drop folder (optionally watched) or stdin."""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType, ModuleType
from typing import cast

from prometheus_client import CollectorRegistry

from hub.config import ConnectorSettings, HubSettings
from hub.connectors import ed, police, prison, school, yjs
from hub.connectors.batches import BatchSource, InProcessEncoding
from hub.connectors.encoder import SourceEncoder, load_keys
from hub.connectors.encoder_process import EncoderProcess
from hub.connectors.mapping import PartnerMapping
from hub.connectors.metrics import ConnectorMetrics
from hub.connectors.outbox import Outbox
from hub.connectors.pipeline import Pipeline, RunSummary
from hub.connectors.publisher import Publisher
from hub.connectors.quarantine import QuarantineFile
from hub.connectors.reader import InputRefusedError, drop_folder_files, inspect, spool_stdin
from hub.errors import ConfigurationError, SourceUnavailableError
from hub.kafka.topics import topic_name

log = logging.getLogger(__name__)

MAPPINGS: dict[str, ModuleType] = {m.PARTNER: m for m in (police, ed, prison, school, yjs)}


def mapping_for(partner: str) -> PartnerMapping:
    if partner not in MAPPINGS:
        raise ConfigurationError(f"unknown partner {partner!r}; one of {', '.join(MAPPINGS)}")
    return cast(PartnerMapping, MAPPINGS[partner])


class ConnectorRun:
    """Everything one run needs, built from the settings; ``close`` releases it."""

    def __init__(
        self,
        settings: HubSettings,
        partner: str,
        *,
        dry_run: bool = False,
        registry: CollectorRegistry | None = None,
        progress: Callable[[int], None] = lambda _r: None,
    ) -> None:
        self.settings = settings
        self.mapping = mapping_for(partner)
        self.state = settings.state_dir / "connectors" / partner
        self.topic = topic_name(f"src.{partner}", settings.topic_prefix)
        self.outbox = Outbox(self.state / "outbox.sqlite")
        self.quarantine = QuarantineFile(self.state / "quarantine.jsonl")
        self.registry = registry or CollectorRegistry()
        self.metrics = ConnectorMetrics(
            self.registry, partner, settings.connector.cadence_for(partner)
        )
        self.publisher = None if dry_run else Publisher(settings, self.outbox)
        self.source = self._batch_source(settings.connector, partner)  # last: it may start a child
        self.pipeline = Pipeline(
            self.source,
            self.topic,
            self.outbox,
            self.quarantine,
            self.metrics,
            self.publisher,
            progress,
        )
        self._stop = False
        self.unhealthy: str | None = None

    def _batch_source(self, settings: ConnectorSettings, partner: str) -> BatchSource:
        if settings.encoder_process:
            return EncoderProcess(settings, partner, self.topic)
        keys = load_keys(settings, partner)
        encoder = SourceEncoder(self.mapping, keys, settings.withhold.get(partner, []))
        return InProcessEncoding(self.mapping, encoder, self.topic)

    @property
    def summary(self) -> RunSummary:
        return self.pipeline.summary

    def serve_metrics(self, port: int, host: str = "127.0.0.1") -> None:
        """/metrics, and /healthz: 503 while Kafka is unreachable and events wait."""
        from hub.metrics_http import serve

        serve(self.registry, port, lambda: self.unhealthy, host)

    def recover(self) -> None:
        """Before reading anything new: settle what a previous run left in the outbox."""
        if self.publisher is None or not self.outbox.pending_count():
            return
        log.info(
            "%d events from a previous run are in the outbox; reconciling with Kafka",
            self.outbox.pending_count(),
        )
        self.publisher.reconcile([self.topic])
        self.pipeline.flush_outbox()

    def run_paths(self, inputs: list[Path]) -> None:
        suffix = ".csv" if self.mapping.FORMAT == "csv" else ".jsonl"
        for path in inputs:
            if self._stop:
                break
            if str(path) == "-":
                self._run_one(spool_stdin(self.state / "stdin"), "<stdin>")
            elif path.is_dir():
                for file in drop_folder_files(path, suffix):
                    if self._stop:
                        break
                    self._run_one(file, None)
            elif path.is_file():
                self._run_one(path, None)
            else:
                raise ConfigurationError(f"input {path} does not exist")

    def watch(self, folder: Path, poll_s: float = 2.0) -> None:
        """Keep taking new complete files from a drop folder until SIGINT or SIGTERM."""
        self._install_stop()
        while not self._stop:
            self.run_paths([folder])
            self.drain(timeout_s=0)
            time.sleep(poll_s)

    def drain(self, timeout_s: float) -> int:
        """Deliver what the outbox holds, retrying for up to ``timeout_s``; return what is left."""
        if self.publisher is None:
            return 0
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.pipeline.flush_outbox()
                self.unhealthy = None
            except SourceUnavailableError as exc:
                log.warning("%s; events wait in the outbox", exc)
                self.unhealthy = f"Kafka unreachable: {exc}"
            left = self.outbox.pending_count()
            if not left or time.monotonic() >= deadline or self._stop:
                self.summary.held_in_outbox = left
                return left
            time.sleep(1.0)

    def close(self) -> None:
        if self.publisher is not None:
            self.publisher.close()
        self.source.close()
        self.quarantine.close()
        self.outbox.close()

    def _run_one(self, path: Path, display: str | None) -> None:
        file = inspect(path, display)
        try:
            self.pipeline.run_file(file)
        except InputRefusedError as exc:
            log.error("refused %s", exc)
            self.summary.files_refused.append(str(exc))
            self.metrics.files_refused.inc()
        except SourceUnavailableError as exc:
            log.warning("%s; %d events wait in the outbox", exc, self.outbox.pending_count())
            self.unhealthy = f"Kafka unreachable: {exc}"

    def _install_stop(self) -> None:
        def stop(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %d: finishing the current batch, then stopping", signum)
            self._stop = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
