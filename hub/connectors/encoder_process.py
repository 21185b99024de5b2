"""The connector's encoding in a child process, so it has a core of its own.

Python runs one thread at a time per process (the GIL): in one process, the encoding and the
store thread (outbox, Kafka's producer) took turns, and a row cost the sum of both. Here the
child reads, maps and validates, pseudonymises, seals and encodes (``batches.encode_file``);
the connector's process stores and sends. They share nothing but a pair of pipes: the child
gets its settings, then one file at a time, and answers with frames of marshalled batches,
which the parent turns back into the same ``EncodedBatch`` objects the in-process path makes.

The child lives exactly as long as the connector holds its pipes: it ignores SIGINT and
SIGTERM (the connector decides when to stop, between batches) and ends when its input closes
or its output breaks, so a connector killed with SIGKILL leaves no child behind for long.
"""

from __future__ import annotations

import gc
import marshal
import os
import signal
import struct
import subprocess
import sys
import traceback
from collections.abc import Generator
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

from hub.config import ConnectorSettings
from hub.connectors.batches import EncodedBatch, encode_file
from hub.connectors.outbox import PendingEvent
from hub.connectors.quarantine import Quarantined
from hub.connectors.reader import InputFile, InputRefusedError
from hub.errors import ConfigurationError, HubError

_FRAME = struct.Struct("<I")  # payload length
# Errors the parent raises again as themselves; anything else is a fault of the child.
_KNOWN_ERRORS: dict[str, type[HubError]] = {
    "InputRefusedError": InputRefusedError,
    "ConfigurationError": ConfigurationError,
}
_GC_YOUNG = 20_000  # the child only encodes: see pipeline._GC_YOUNG
_STOP_TIMEOUT_S = 10.0
_CODE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds hub/ and privacy/


class EncoderProcess:
    """A ``BatchSource`` that encodes in a child process (``connector.encoder_process``)."""

    def __init__(self, settings: ConnectorSettings, partner: str, topic: str) -> None:
        self._start_message = (settings.model_dump_json(), partner, topic)
        self._child: subprocess.Popen[bytes] | None = None
        self._start()  # now, so bad keys or settings fail the run before any file is read

    @property
    def pid(self) -> int | None:
        return None if self._child is None else self._child.pid

    def batches(self, file: InputFile, start_after: int) -> Generator[EncodedBatch, None, None]:
        if self._child is None:
            self._start()
        at_rest = False  # the child has answered for the whole file
        try:
            self._send((str(file.path), file.digest, file.display, start_after), file)
            while (frame := self._receive(file))[0] == "batch":
                _, read, last_row, events, quarantined = frame
                yield EncodedBatch(
                    read,
                    last_row,
                    list(map(PendingEvent._make, events)),
                    [Quarantined(*q) for q in quarantined],
                )
            at_rest = True
        finally:
            if not at_rest:  # the caller stopped mid-file, or the child died: start afresh
                self._stop(kill=True)
        if frame[0] == "error":  # the file was refused, or encoding failed
            raise _raised(frame)

    def close(self) -> None:
        self._stop(kill=False)

    def _start(self) -> None:
        # This interpreter, and this copy of the hub's code whatever put it on sys.path.
        path = os.pathsep.join(filter(None, [_CODE_ROOT, os.environ.get("PYTHONPATH")]))
        self._child = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": path},
        )
        try:
            self._send(self._start_message, None)
            answer = self._receive(None)  # "ready", or the child's configuration error
        except BaseException:
            self._stop(kill=True)
            raise
        if answer[0] == "error":
            self._stop(kill=True)
            raise _raised(answer)

    def _send(self, message: Any, file: InputFile | None) -> None:
        assert self._child is not None
        assert self._child.stdin is not None
        try:
            _write_frame(self._child.stdin, message)
        except BrokenPipeError:
            raise self._ended(file) from None

    def _receive(self, file: InputFile | None) -> tuple[Any, ...]:
        assert self._child is not None
        assert self._child.stdout is not None
        frame: tuple[Any, ...] | None = _read_frame(self._child.stdout)
        if frame is None:
            raise self._ended(file)
        return frame

    def _ended(self, file: InputFile | None) -> HubError:
        assert self._child is not None
        code = self._child.wait(_STOP_TIMEOUT_S)
        where = f" while encoding {file.display}" if file is not None else ""
        return HubError(f"the connector's encoder process ended unexpectedly{where} (exit {code})")

    def _stop(self, kill: bool) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        if kill:
            child.kill()
        for pipe in (child.stdin, child.stdout):
            if pipe is not None:
                with suppress(BrokenPipeError):
                    pipe.close()  # closing its input tells an idle child to end
        try:
            child.wait(_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _write_frame(out: IO[bytes], message: Any) -> None:
    payload = marshal.dumps(message)
    out.write(_FRAME.pack(len(payload)))
    out.write(payload)
    out.flush()


def _read_frame(source: IO[bytes]) -> Any:
    """The next message, or None at the end of the stream. Only our own child (or parent)
    writes these pipes, and marshal runs no code on load."""
    head = source.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    payload = source.read(size)
    if len(payload) < size:
        return None
    return marshal.loads(payload)  # noqa: S302


def _error(exc: BaseException) -> tuple[str, str, str]:
    return ("error", type(exc).__name__, str(exc))


def _raised(frame: tuple[Any, ...]) -> HubError:
    _, kind, message = frame
    if kind in _KNOWN_ERRORS:
        return _KNOWN_ERRORS[kind](message)
    return HubError(f"the connector's encoder process failed: {kind}: {message} (traceback above)")


def _serve(inbox: IO[bytes], out: IO[bytes]) -> None:
    """The child's loop: settings, then files until the parent closes the pipe."""
    from hub.connectors.encoder import SourceEncoder, load_keys
    from hub.connectors.runner import mapping_for

    start = _read_frame(inbox)
    if start is None:
        return
    settings_json, partner, topic = start
    try:
        settings = ConnectorSettings.model_validate_json(settings_json)
        mapping = mapping_for(partner)
        keys = load_keys(settings, partner)
        encoder = SourceEncoder(mapping, keys, settings.withhold.get(partner, []))
    except HubError as exc:
        _write_frame(out, _error(exc))
        return
    _write_frame(out, ("ready",))
    while (job := _read_frame(inbox)) is not None:
        path, digest, display, start_after = job
        file = InputFile(Path(path), digest, display)
        try:
            for batch in encode_file(mapping, encoder, topic, file, start_after):
                _write_frame(
                    out,
                    (
                        "batch",
                        batch.read,
                        batch.last_row,
                        [tuple(e) for e in batch.events],
                        [_quarantined(q) for q in batch.quarantined],
                    ),
                )
        except HubError as exc:
            _write_frame(out, _error(exc))
            continue
        except Exception as exc:  # a fault: its traceback on stderr, its message to the parent
            traceback.print_exc()
            _write_frame(out, _error(exc))
            continue
        _write_frame(out, ("done",))


def _quarantined(q: Quarantined) -> tuple[Any, ...]:
    return (q.partner, q.source, q.row, q.record_ref, q.field, q.kind, q.reason)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    gc.set_threshold(_GC_YOUNG, *gc.get_threshold()[1:])
    # Frames go out on a private copy of stdout; anything else printed goes to stderr, so a
    # stray print in a library cannot corrupt the stream.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        _serve(sys.stdin.buffer, out)
    except BrokenPipeError:  # the connector has gone: nothing to tell it, nothing to flush
        os._exit(0)


if __name__ == "__main__":
    main()
