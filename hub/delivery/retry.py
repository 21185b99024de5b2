"""Retry policy: exponential backoff with full jitter, and the two kinds of channel failure.

Full jitter (sleep a uniform random time up to the exponential ceiling) spreads the retries
of many alerts failing together, so a receiver that recovers is not hit by a synchronized
burst. A receiver's ``Retry-After`` wins over the computed backoff, up to a cap.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from hub.config import DeliverySettings
from hub.errors import DeliveryError


class ChannelError(DeliveryError):
    """A delivery attempt failed; ``status`` is the HTTP or SMTP code, if any."""

    retryable = False

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientError(ChannelError):
    """Worth retrying: connection refused, timeout, 5xx, 429, SMTP 4xx."""

    retryable = True

    def __init__(
        self, message: str, status: int | None = None, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message, status)
        self.retry_after_s = retry_after_s


class PermanentError(ChannelError):
    """Retrying cannot help (4xx other than 408/429, SMTP 5xx, bad configuration)."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_s: float = 1.0
    cap_s: float = 60.0
    retry_after_cap_s: float = 300.0
    uniform: Callable[[float, float], float] = field(default=random.uniform, repr=False)

    @classmethod
    def from_settings(cls, settings: DeliverySettings) -> RetryPolicy:
        return cls(
            settings.max_attempts,
            settings.backoff_base_s,
            settings.backoff_cap_s,
            settings.retry_after_cap_s,
        )

    def delay(self, attempt: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), self.retry_after_cap_s)
        ceiling = min(self.cap_s, self.base_s * 2 ** (attempt - 1))
        return self.uniform(0.0, ceiling)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP date; None if absent
    or unreadable (the computed backoff applies then)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(parsedate_to_datetime(value).timestamp() - now, 0.0)
    except (TypeError, ValueError, IndexError):
        return None
