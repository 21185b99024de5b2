"""A loopback webhook receiver: what a panel's case-management system must do, in miniature.

It verifies ``X-Hub-Signature`` (refusing stale or replayed timestamps), deduplicates by
``Idempotency-Key`` (acknowledging a re-send without storing it twice) and keeps the
documents. The demo runs one to show delivery; the tests run it to see retries and re-sends.
It binds to 127.0.0.1 only. ``plan`` scripts failures: status codes answered to each
Idempotency-Key's first requests, in order (e.g. ``[500, 500]``, then 200s); ``always``
answers one code to every request; ``delay_s`` makes each answer slow.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from hub.delivery.signing import HEADER, SignatureError, verify_signature


@dataclass
class Received:
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # by Idempotency-Key
    requests: int = 0
    deliveries: Counter[str] = field(default_factory=Counter)  # accepted posts per key
    refused: list[str] = field(default_factory=list)  # reasons for 401s


class WebhookReceiver:
    def __init__(
        self,
        secret: bytes,
        *,
        plan: list[int] | None = None,
        always: int | None = None,
        retry_after: str | None = None,
        delay_s: float = 0.0,
        tls: tuple[Path, Path] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``tls`` (certificate, key) serves HTTPS, as a real receiver must."""
        self.secret = secret
        self.received = Received()
        self._plan = list(plan or [])
        self._tries: Counter[str] = Counter()
        self._always = always
        self._retry_after = retry_after
        self._clock = clock
        self._delay_s = delay_s
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(tls[0], tls[1])
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host!s}:{port}/hooks/alerts"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, body: bytes, signature: str | None, key: str | None) -> int:
        with self._lock:
            self.received.requests += 1
            try:
                verify_signature(self.secret, signature, body, self._clock())
            except SignatureError as exc:
                self.received.refused.append(str(exc))
                return 401
            if not key:
                self.received.refused.append("no Idempotency-Key")
                return 400
            if self._always is not None:
                return self._always
            self._tries[key] += 1
            if self._tries[key] <= len(self._plan):
                return self._plan[self._tries[key] - 1]
            self.received.deliveries[key] += 1
            self.received.documents.setdefault(key, json.loads(body))
            return 200

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if receiver._delay_s:
                    time.sleep(receiver._delay_s)  # a slow case-management system
                status = receiver._answer(
                    body, self.headers.get(HEADER), self.headers.get("Idempotency-Key")
                )
                self.send_response(status)
                if status in (429, 503) and receiver._retry_after is not None:
                    self.send_header("Retry-After", receiver._retry_after)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler
