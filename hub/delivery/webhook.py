"""The webhook channel: a signed HTTPS POST of the alert document to a panel's system.

``http.client`` rather than a redirect-following client: a webhook that answers 3xx is
misconfigured, and following it would send the document somewhere nobody reviewed.
"""

from __future__ import annotations

import http.client
import json
import ssl
import time
from collections.abc import Callable
from typing import Any

from hub.delivery.retry import PermanentError, TransientError, parse_retry_after
from hub.delivery.signing import HEADER, sign
from hub.errors import ConfigurationError
from hub.panels.directory import Panel, WebhookChannel

USER_AGENT = "csp-hub-delivery/1"
_RETRYABLE = {408, 429}


def body_of(document: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent."""
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def idempotency_key(alert_id: str, panel: str, channel: str) -> str:
    return f"{alert_id}:{panel}:{channel}"


class WebhookSender:
    """Sends one attempt; raises TransientError or PermanentError, returns the HTTP status."""

    def __init__(
        self,
        timeout_s: float,
        clock: Callable[[], float] = time.time,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout_s = timeout_s
        self.clock = clock
        self.ssl_context = ssl_context or ssl.create_default_context()

    def send(self, panel: Panel, channel: WebhookChannel, document: dict[str, Any]) -> int:
        try:
            secret = channel.secret()
        except ConfigurationError as exc:
            raise PermanentError(str(exc)) from exc
        body = body_of(document)
        url = channel.url
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            HEADER: sign(secret, body, int(self.clock())),
            "Idempotency-Key": idempotency_key(document["alert_id"], document["panel"], "webhook"),
        }
        path = (url.path or "/") + (f"?{url.query}" if url.query else "")
        host = url.host or ""
        connection: http.client.HTTPConnection
        if url.scheme == "https":
            connection = http.client.HTTPSConnection(
                host, url.port, timeout=self.timeout_s, context=self.ssl_context
            )
        else:
            connection = http.client.HTTPConnection(host, url.port, timeout=self.timeout_s)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            status = response.status
            retry_after = response.getheader("Retry-After")
            response.read(64 * 1024)  # drain a little; the body is not needed
        except TimeoutError as exc:
            raise TransientError(f"timeout after {self.timeout_s:g}s") from exc
        except ssl.SSLCertVerificationError as exc:
            raise PermanentError(f"TLS certificate refused: {exc.verify_message}") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            connection.close()
        if 200 <= status < 300:
            return status
        if status >= 500 or status in _RETRYABLE:
            raise TransientError(
                f"HTTP {status}", status, parse_retry_after(retry_after, self.clock())
            )
        raise PermanentError(f"HTTP {status} (not retryable)", status)
