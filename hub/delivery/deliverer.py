"""Deliver one alert through every channel of its panel: ledger first, retries, dead letter.

For each channel the ledger is asked first: a final outcome (delivered or dead-lettered)
means this channel is done and is skipped, so a re-read after a crash re-sends nothing the
ledger saw acknowledged. Otherwise attempts follow the retry policy; a permanent error or an
exhausted budget dead-letters the alert for that channel, with a reason naming the panel, the
channel, the alert id and the last error, and the dead letter is durable before the ledger
records the outcome. Nothing here knows Kafka: the caller passes how to dead-letter.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hub.config import DeliverySettings
from hub.delivery.document import created_at
from hub.delivery.ledger import Ledger
from hub.delivery.metrics import DeliveryMetrics
from hub.delivery.retry import ChannelError, PermanentError, RetryPolicy, TransientError
from hub.errors import HubError
from hub.panels.directory import Channel, Panel, PanelDirectory
from hub.routing.config import family_of

log = logging.getLogger(__name__)

DeadLetterFn = Callable[[str], None]
"""Writes the alert to the dead-letter topic with this reason; returns once it is durable."""


class Sender(Protocol):
    def send(self, panel: Panel, channel: Any, document: dict[str, Any]) -> int:
        """Deliver once; return the receiver's status code or raise ChannelError."""
        ...


class Interrupted(HubError):
    """The service is stopping mid-retry: the channel stays pending and is retried on restart."""


@dataclass(frozen=True)
class ChannelOutcome:
    panel: str
    channel: str
    outcome: str  # delivered | dead_lettered | duplicate
    attempts: int
    status: int | None
    error: str | None


class Deliverer:
    def __init__(
        self,
        settings: DeliverySettings,
        directory: PanelDirectory,
        ledger: Ledger,
        metrics: DeliveryMetrics,
        senders: dict[str, Sender],
        *,
        policy: RetryPolicy | None = None,
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        """``sleep`` waits between attempts (default: until the delay passes or ``stop`` is
        set, whichever is first); tests inject one that records the delays."""
        self.settings = settings
        self.directory = directory
        self.ledger = ledger
        self.metrics = metrics
        self.senders = senders
        self.policy = policy or RetryPolicy.from_settings(settings)
        self.stop = stop or threading.Event()
        self.clock = clock
        self.sleep = sleep or self.stop.wait
        self._busy: set[tuple[str, str, str]] = set()
        self._idle = threading.Condition()

    def deliver(self, document: dict[str, Any], dead_letter: DeadLetterFn) -> list[ChannelOutcome]:
        alert_id, panel_id = document["alert_id"], document["panel"]
        family = family_of(panel_id) or "unknown"
        panel = self.directory.panel(panel_id)
        if panel is None:
            reason = (
                f"panel {panel_id} channel none alert {alert_id}: "
                "the panel has no entry in the panel directory"
            )
            dead_letter(reason)
            self.metrics.outcome(family, "none", "dead_lettered")
            return [ChannelOutcome(panel_id, "none", "dead_lettered", 0, None, reason)]
        outcomes = []
        for channel in panel.channels:
            if channel.kind in self.settings.disabled_channels:
                continue
            outcomes.append(self._one(panel, channel, document, family, dead_letter))
        return outcomes

    def _one(
        self,
        panel: Panel,
        channel: Channel,
        document: dict[str, Any],
        family: str,
        dead_letter: DeadLetterFn,
    ) -> ChannelOutcome:
        key = (document["alert_id"], document["panel"], channel.kind)
        with self._idle:  # the same alert read twice at once: the second waits, then skips
            while key in self._busy:
                self._idle.wait()
            self._busy.add(key)
        try:
            return self._attempts(panel, channel, document, family, dead_letter)
        finally:
            with self._idle:
                self._busy.discard(key)
                self._idle.notify_all()

    def _attempts(
        self,
        panel: Panel,
        channel: Channel,
        document: dict[str, Any],
        family: str,
        dead_letter: DeadLetterFn,
    ) -> ChannelOutcome:
        alert_id, panel_id, kind = document["alert_id"], document["panel"], channel.kind
        final = self.ledger.start(alert_id, panel_id, kind)
        if final is not None:
            self.metrics.outcome(family, kind, "duplicate")
            return ChannelOutcome(
                panel_id, kind, "duplicate", final.attempts, final.http_status, final.last_error
            )
        sender = self.senders[kind]
        error: ChannelError | None = None
        attempt = 0
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                try:
                    status = sender.send(panel, channel, document)
                except ChannelError:
                    raise
                except Exception as unexpected:  # a sender's bug or odd input: never lost
                    raise PermanentError(
                        f"unexpected {type(unexpected).__name__}: {unexpected}"
                    ) from unexpected
            except ChannelError as exc:
                error = exc
                self.ledger.attempt(alert_id, panel_id, kind, str(exc))
                self.metrics.outcome(family, kind, "failed")
                log.info(
                    "alert %s panel %s %s: attempt %d failed: %s",
                    alert_id,
                    panel_id,
                    kind,
                    attempt,
                    exc,
                )
                if not exc.retryable or attempt == self.policy.max_attempts:
                    break
                self.metrics.outcome(family, kind, "retried")
                retry_after = exc.retry_after_s if isinstance(exc, TransientError) else None
                self.sleep(self.policy.delay(attempt, retry_after))
                if self.stop.is_set():
                    raise Interrupted(
                        f"stopping with {alert_id} {panel_id} {kind} pending"
                    ) from exc
                continue
            self.ledger.finish(alert_id, panel_id, kind, "delivered", status, None, attempted=True)
            self.metrics.outcome(family, kind, "delivered")
            self.metrics.latency(kind, self.clock() - created_at(document).timestamp())
            return ChannelOutcome(panel_id, kind, "delivered", attempt, status, None)
        assert error is not None
        why = "not retryable" if not error.retryable else "retry budget spent"
        reason = (
            f"panel {panel_id} channel {kind} alert {alert_id}: {why} after {attempt} "
            f"attempt(s); last error: {error}"
        )
        dead_letter(reason)
        self.ledger.finish(alert_id, panel_id, kind, "dead_lettered", error.status, str(error))
        self.metrics.outcome(family, kind, "dead_lettered")
        log.warning("dead-lettered: %s", reason)
        return ChannelOutcome(panel_id, kind, "dead_lettered", attempt, error.status, str(error))
