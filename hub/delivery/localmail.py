"""A local SMTP server process (aiosmtpd) writing to a Maildir: the demo's and tests' mailbox.

aiosmtpd is a development dependency, so ``available()`` says whether this can run at all;
the server binds to 127.0.0.1 only and is a separate process, as a real mail server would be.
"""

from __future__ import annotations

import importlib.util
import mailbox
import socket
import subprocess
import sys
import time
from email.message import Message
from pathlib import Path

from hub.errors import ConfigurationError


def available() -> bool:
    return importlib.util.find_spec("aiosmtpd") is not None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalMailServer:
    def __init__(
        self,
        maildir: Path,
        *,
        tls_cert: Path | None = None,
        tls_key: Path | None = None,
        log: Path | None = None,
    ) -> None:
        if not available():
            raise ConfigurationError("aiosmtpd is not installed (pip install -e '.[dev]')")
        self.maildir = maildir
        self.port = _free_port()
        self.host = "127.0.0.1"
        self._tls = (
            [] if tls_cert is None else ["--tlscert", str(tls_cert), "--tlskey", str(tls_key)]
        )
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 20.0) -> LocalMailServer:
        self.maildir.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(self.maildir, create=True)  # tmp/, new/, cur/
        command = [
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"{self.host}:{self.port}",
            *self._tls,
            "-c",
            "aiosmtpd.handlers.Mailbox",
            str(self.maildir),
        ]
        out = self._log.open("ab") if self._log else subprocess.DEVNULL
        self._process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ConfigurationError(f"aiosmtpd exited {self._process.returncode}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise ConfigurationError(f"aiosmtpd did not listen on {self.port} within {timeout_s}s")

    def messages(self) -> list[Message]:
        return list(mailbox.Maildir(self.maildir, create=False))

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)

    def __enter__(self) -> LocalMailServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
