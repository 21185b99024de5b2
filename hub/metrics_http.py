"""``/metrics`` and ``/healthz`` for a long-running hub process, on one port.

A small threaded HTTP server from the standard library: Prometheus' exposition comes from
``prometheus_client.generate_latest`` over the process's own (injected) registry, and
``/healthz`` answers 200 "ok" or 503 with a one-line reason (metrics contract).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

log = logging.getLogger(__name__)


class Health:
    """Why the process is not healthy, or None; set by the process as it starts and runs."""

    def __init__(self, reason: str | None = "starting") -> None:
        self.reason = reason

    def set(self, reason: str | None) -> None:
        self.reason = reason


def _handler(registry: CollectorRegistry, health: Callable[[], str | None]) -> type:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._reply(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                reason = health()
                if reason is None:
                    self._reply(200, b"ok\n", "text/plain; charset=utf-8")
                else:
                    line = reason.splitlines()[0] if reason else "unhealthy"
                    self._reply(503, line.encode() + b"\n", "text/plain; charset=utf-8")
            else:
                self._reply(404, b"not found\n", "text/plain; charset=utf-8")

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("http: " + format, *args)

    return Handler


def serve(
    registry: CollectorRegistry,
    port: int,
    health: Callable[[], str | None],
    host: str = "127.0.0.1",
) -> ThreadingHTTPServer:
    """Start serving in a daemon thread; the caller shuts the server down."""
    server = ThreadingHTTPServer((host, port), _handler(registry, health))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="hub-metrics", daemon=True)
    thread.start()
    return server
