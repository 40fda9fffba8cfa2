"""``python -m newsreader.worker``: one helper process of :mod:`newsreader.processes`.

Reads requests from stdin (a length, then a pickled ``(function, args)``), answers on
stdout (a length, then a pickled ``(ok, result or exception)``), one at a time, until
stdin ends: the parent closed it, or died. The modules named on the command line are
imported first, while the parent gets its first request ready; anything else waits
until a request needs it. Its parent may queue the next request before this one is
answered; both pipes are widened first so that neither side waits on the other.

``--siblings R:W,...`` (before the modules): once the modules are imported, this worker
forks one more worker per pair of pipe ends its parent passed it (R to read requests
from, W to answer on). A sibling shares the imported modules' memory with this worker
until either writes to it, so a second parser costs a few megabytes instead of a whole
interpreter. A sibling first writes its pid (one :data:`FRAME`), then serves as any
worker does; it has no pipe end but its own, and it watches those, not its parent:
this worker may be killed (a call past the deadline) while the sibling goes on. This
worker reaps its siblings before it exits.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import pickle
import select
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


def _watch_parent(parent: int | None) -> None:
    """Exit once nobody can read an answer: the parent is gone (``parent``, when this
    process is its child), or the read end of the answer pipe is closed (a process that
    dies, SIGKILL included, closes its pipes; a pipe with no reader polls as an error)."""
    answers = select.poll()
    answers.register(1, 0)  # errors and hang-ups are always reported
    while True:
        if parent is not None and os.getppid() != parent:
            os._exit(1)  # the parent is gone: nobody will ever read the answer
        if answers.poll(PARENT_POLL_SECONDS * 1000):
            os._exit(1)


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


def _fork_siblings(pairs: list[tuple[int, int]]) -> list[int] | None:
    """Fork one worker per ``(requests, answers)`` pair of pipe ends: their pids here,
    None in a sibling, whose stdin and stdout are then its own pair. Called with one
    thread running, and the imported objects frozen first, so that the collector's
    walks do not copy the pages the processes share."""
    gc.freeze()
    pids: list[int] = []
    sibling = False
    for requests, answers in pairs:
        pid = os.fork()
        if pid == 0:
            os.dup2(requests, 0)
            os.dup2(answers, 1)
            sibling = True
            break
        pids.append(pid)
    for requests, answers in pairs:
        os.close(requests)
        os.close(answers)
    return None if sibling else pids


def _reap(pids: list[int]) -> None:
    """Wait for the siblings, which end with their own input: their CPU time then
    counts in this worker's children's, and so in the sync's."""
    for pid in pids:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _sibling_pairs(args: list[str]) -> tuple[list[tuple[int, int]], list[str]]:
    """The ``--siblings R:W,...`` pairs, and the modules named after them."""
    if args[:1] != ["--siblings"] or len(args) < 2:
        return [], args
    pairs = []
    for pair in args[1].split(","):
        requests, _, answers = pair.partition(":")
        pairs.append((int(requests), int(answers)))
    return pairs, args[2:]


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent: int | None = os.getppid()
    _widen_pipes()
    pairs, modules = _sibling_pairs(sys.argv[1:])
    for module in modules:
        with contextlib.suppress(ImportError):  # only a head start: the request imports
            importlib.import_module(module)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    siblings = _fork_siblings(pairs) if pairs else []
    if siblings is None:  # a sibling: its parent is the worker that forked it
        parent, siblings = None, []
        _widen_pipes()
        try:
            answers.write(FRAME.pack(os.getpid()))
            answers.flush()
        except BrokenPipeError:
            return
    # Started once the siblings are forked: a fork copies only the thread that calls it.
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    try:
        _serve(requests, answers)
    finally:
        _reap(siblings)


def _serve(requests: BinaryIO, answers: BinaryIO) -> None:
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
