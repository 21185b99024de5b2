"""Start, stop and inspect the project's own single-node Apache Kafka broker.

The broker is a child JVM in its own session, with its pid, properties and log under
``broker.data_dir``. ``up`` is idempotent; ``down`` asks for a clean shutdown first.
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hub.config import BrokerSettings
from hub.errors import ConfigurationError, SourceUnavailableError
from hub.kafka import jars
from hub.kafka.properties import render, server_properties

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class BrokerState:
    running: bool
    pid: int | None
    bootstrap: str
    log_file: Path
    kafka_version: str | None


class LocalBroker:
    """One broker, described by its settings; every method is safe to call repeatedly."""

    def __init__(self, settings: BrokerSettings) -> None:
        self.settings = settings
        self.home = settings.data_dir.resolve()
        self.log_dirs = self.home / "logs"
        self.pid_file = self.home / "broker.pid"
        self.log_file = self.home / "broker.log"
        self.properties_file = self.home / "server.properties"

    @property
    def bootstrap(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def state(self) -> BrokerState:
        pid = self._live_pid()
        version = (self.home / "kafka.version").read_text().strip() if pid else None
        return BrokerState(pid is not None, pid, self.bootstrap, self.log_file, version)

    def up(self, *, tie_to_parent: bool = False, echo: bool = True) -> BrokerState:
        """Start the broker unless it runs already; return once it answers clients.

        ``tie_to_parent`` makes the kernel stop the broker if this process dies, so a killed
        test run cannot leave a broker behind.
        """
        if self._live_pid() is not None:
            return self.state()
        self._refuse_taken_ports()
        classpath = jars.resolve_classpath(self.settings.pom, echo=echo)
        self.home.mkdir(parents=True, exist_ok=True)
        self.properties_file.touch(mode=0o600)
        self.properties_file.chmod(0o600)  # it holds the SASL users' passwords when configured
        self.properties_file.write_text(render(server_properties(self.settings, self.log_dirs)))
        if not (self.log_dirs / "meta.properties").exists():
            self._format(classpath)
        (self.home / "kafka.version").write_text(classpath.kafka_version + "\n")
        with self.log_file.open("ab") as out:
            proc = subprocess.Popen(
                [
                    _java(),
                    f"-Xmx{self.settings.heap}",
                    f"-Xms{self.settings.heap}",
                    *_JVM_FLAGS,
                    *_LOGGING_FLAGS,
                    "-cp",
                    classpath.as_arg(),
                    "kafka.Kafka",
                    str(self.properties_file),
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=_die_with_parent if tie_to_parent else None,
            )
        self.pid_file.write_text(f"{proc.pid}\n")
        self._wait_ready(proc.poll)
        return self.state()

    def down(self) -> bool:
        """Stop the broker cleanly (SIGTERM), SIGKILL after the timeout; True if one ran."""
        pid = self._live_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        if not _wait_exit(pid, self.settings.stop_timeout_s):
            log.warning(
                "broker pid %s ignored SIGTERM for %ss; killing it",
                pid,
                self.settings.stop_timeout_s,
            )
            os.kill(pid, signal.SIGKILL)
            _wait_exit(pid, 10)
        self.pid_file.unlink(missing_ok=True)
        return True

    def tail_log(self, lines: int = 40) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    def _format(self, classpath: jars.BrokerClasspath) -> None:
        cluster_id = _cluster_id()
        done = subprocess.run(
            [
                _java(),
                "-cp",
                classpath.as_arg(),
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={cluster_id}",
                "-c",
                str(self.properties_file),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0:
            raise SourceUnavailableError(f"formatting KRaft storage failed:\n{done.stderr[-2000:]}")

    def _wait_ready(self, exit_code: Callable[[], int | None]) -> None:
        deadline = time.monotonic() + self.settings.start_timeout_s
        while time.monotonic() < deadline:
            if exit_code() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise SourceUnavailableError(
                    f"the broker exited during start-up; its log {self.log_file} ends:\n"
                    f"{self.tail_log()}"
                )
            if _accepts(self.settings.host, self.settings.port) and _answers_metadata(
                self.bootstrap
            ):
                return
            time.sleep(0.2)
        self.down()
        raise SourceUnavailableError(
            f"the broker did not answer on {self.bootstrap} within "
            f"{self.settings.start_timeout_s:.0f}s; its log {self.log_file} ends:\n"
            f"{self.tail_log()}"
        )

    def _live_pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            cmdline = b""
        if b"kafka.Kafka" in cmdline and str(self.properties_file).encode() in cmdline:
            return pid
        self.pid_file.unlink(missing_ok=True)  # stale: that broker is gone
        return None

    def _refuse_taken_ports(self) -> None:
        for port in (self.settings.port, self.settings.controller_port, self.settings.sasl_port):
            if port is None:
                continue
            if not port_is_free(self.settings.host, port):
                raise ConfigurationError(
                    f"port {port} on {self.settings.host} is taken by another process; stop it "
                    "or choose other ports (HUB_BROKER__PORT, HUB_BROKER__CONTROLLER_PORT)"
                )


# The flags Kafka's own start script gives the broker (KAFKA_JVM_PERFORMANCE_OPTS), with the
# heap fixed at its maximum from the start (-Xms above): a heap that G1 keeps resizing ran
# concurrent collection cycles all through a benchmark, 0.35-0.9 s of CPU in a few seconds of
# streaming (bench/bench_stream.py), on the same two cores as the hub.
_JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
)
_LOGGING_FLAGS = (
    "-Dorg.slf4j.simpleLogger.showDateTime=true",
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSZ",
    "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients=warn",
)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel just handed out, so a leftover broker cannot collide with it."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _answers_metadata(bootstrap: str) -> bool:
    """True once the broker serves metadata; only 'not there yet' errors mean False."""
    from kafka import KafkaAdminClient  # imported late: the CLI's --help stays fast
    from kafka.errors import RetriableError

    not_yet = (RetriableError, OSError)
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    except not_yet:
        return False
    try:
        admin.list_topics()
        return True
    except not_yet:
        return False
    finally:
        admin.close()


def _cluster_id() -> str:
    """Kafka's Uuid text form; like Kafka, never one that starts with '-' (reads as a flag)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise ConfigurationError("Java 17 (java) is not on PATH: the Kafka broker needs it")
    return java


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _wait_exit(pid: int, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        _reap(pid)
        time.sleep(0.1)
    return False


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
