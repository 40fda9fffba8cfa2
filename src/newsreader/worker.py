"""``python -m newsreader.worker``: one helper process of :mod:`newsreader.processes`.

Reads requests from stdin (a length, then a pickled ``(function, args)``), answers on
stdout (a length, then a pickled ``(ok, result or exception)``), one at a time, until
stdin ends: the parent closed it, or died. The modules named on the command line are
imported first, while the parent gets its first request ready; anything else waits
until a request needs it. Its parent may queue the next request before this one is
answered; both pipes are widened first so that neither side waits on the other.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import signal
import struct
import sys
import threading
from typing import BinaryIO

# The wire protocol lives here, not in newsreader.processes, which imports asyncio: a
# worker that imported it would start 30 ms later, and every feed would wait for it.
FRAME = struct.Struct(">Q")
"""Every message on a worker's pipes: its length, then its pickle."""
PIPE_BYTES = 1 << 20
"""The size a worker asks for its two pipes (Linux's limit for an unprivileged process;
elsewhere, or when refused, they stay as they are)."""

PARENT_POLL_SECONDS = 0.1
"""How often a busy worker checks that its parent is alive: the longest an orphan lives."""


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)  # the parent is gone: nobody will ever read the answer
        threading.Event().wait(PARENT_POLL_SECONDS)


def _widen_pipes() -> None:
    """Room for a whole answer, and the next request, in the pipes (Linux only)."""
    try:
        import fcntl

        size = fcntl.F_SETPIPE_SZ
    except (ImportError, AttributeError):
        return
    for fd in (0, 1):
        with contextlib.suppress(OSError):  # not a pipe, or more than this user may have
            fcntl.fcntl(fd, size, PIPE_BYTES)


def _read(stream: BinaryIO, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _answer(function: object, args: tuple[object, ...]) -> bytes:
    try:
        assert callable(function)
        reply: tuple[bool, object] = (True, function(*args))
    except Exception as error:  # noqa: BLE001 - every failure goes back to the caller
        reply = (False, error)
    try:
        return pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # noqa: BLE001 - an exception that cannot travel
        return pickle.dumps((False, RuntimeError(f"{type(error).__name__}: {error}")))


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    _widen_pipes()
    for module in sys.argv[1:]:
        with contextlib.suppress(ImportError):  # only a head start: the request imports
            importlib.import_module(module)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    while True:
        header = _read(requests, FRAME.size)
        if header is None:
            return
        body = _read(requests, FRAME.unpack(header)[0])
        if body is None:
            return
        function, args = pickle.loads(body)  # noqa: S301 - from our own parent, over a pipe
        reply = _answer(function, args)
        try:
            answers.write(FRAME.pack(len(reply)) + reply)
            answers.flush()
        except BrokenPipeError:
            return


if __name__ == "__main__":
    main()
    # Every answer is flushed and nothing else is open: the interpreter's teardown of
    # the parser modules would only hold up the sync that waits for this exit (~0.1 s).
    os._exit(0)
