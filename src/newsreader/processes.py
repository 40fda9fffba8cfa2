"""Helper processes that share nothing with the cache and never outlive their parent.

A sync parses feeds in worker processes while its own process fetches and writes.
Each worker is ``python -m newsreader.worker``, fed over its own pipes, and three
things keep it harmless (see also the cache's rules in :mod:`newsreader.store.db`):

- **A fresh interpreter, not a fork.** It inherits no SQLite connection and no
  descriptor of the cache (SQLite opens its files close-on-exec and the pipes are the
  only descriptors passed), whatever threads the parent runs.
- **It dies with its parent, however the parent dies.** Only the parent holds the
  write end of the worker's stdin: when the parent is gone (SIGKILL included) the
  worker reads end-of-file and exits; a worker busy parsing also watches its parent's
  pid. Ctrl-C reaches the whole process group, so workers ignore SIGINT and leave the
  interrupted sync to stop them.
- **Nothing of multiprocessing.** No semaphores and no resource-tracker process that
  would complain on the user's terminal after a killed sync: a request is one
  length-prefixed pickle on a pipe, the answer another.
"""

from __future__ import annotations

import asyncio
import contextlib
import pickle
import struct
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["CALL_DEADLINE", "FRAME", "CallTimeoutError", "WorkerCrashedError", "WorkerPool"]

T = TypeVar("T")
FRAME = struct.Struct(">Q")
"""Every message on a worker's pipes: its length, then its pickle."""
_STOP_SECONDS = 5.0
CALL_DEADLINE = 120.0
"""Seconds a call may take. A feed of 92 KB parses in 4 ms; among the slowest real
documents the size cap lets in, a 4.8 MB feed of 40,000 undated entries takes about 10 s
(its parser tries each entry's guid as a date). A call still running after two minutes
is a parser caught in a loop, or a worker stopped from outside (a debugger, SIGSTOP),
and it must not hold up a sync."""


class WorkerCrashedError(Exception):
    """A worker process died or could not start (the caller then works in-process)."""


class CallTimeoutError(Exception):
    """A call outlived the deadline: its worker was stopped and replaced. (The caller
    must not run the same work in-process: it may never end there either.)"""


class _Worker:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def call(self, payload: bytes) -> Any:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(FRAME.pack(len(payload)) + payload)
            await stdin.drain()
            (size,) = FRAME.unpack(await stdout.readexactly(FRAME.size))
            ok, value = pickle.loads(await stdout.readexactly(size))  # noqa: S301 - our own worker
        except (OSError, EOFError, asyncio.IncompleteReadError, pickle.UnpicklingError) as error:
            raise WorkerCrashedError(f"a parser process stopped: {error}") from None
        if not ok:
            raise value
        return value

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()


class WorkerPool:
    """``size`` worker processes for CPU-bound calls from one asyncio loop.

    :meth:`run` sends a module-level function and its arguments (both picklable) to an
    idle worker and returns its result, or raises what it raised. Workers start on the
    first call. A call cancelled half-way retires its worker (its late answer must not
    reach the next call); so does a call that outlives ``deadline``, whose worker is
    replaced (:class:`CallTimeoutError`).
    """

    def __init__(
        self, size: int, preload: Sequence[str] = (), *, deadline: float = CALL_DEADLINE
    ) -> None:
        self.size = size
        """Workers started on the first call; :meth:`grow` may add more."""
        self.preload = tuple(preload)
        """Modules each worker imports as soon as it starts, before its first request:
        on a spare core, while this process is still importing its own."""
        self.deadline = deadline
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: list[_Worker] = []
        self._starting: asyncio.Task[None] | None = None
        self._growing = asyncio.Lock()

    async def _spawn(self, count: int) -> None:
        idle = self._idle if self._idle is not None else asyncio.Queue()
        for _ in range(count):
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "newsreader.worker",
                *self.preload,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            worker = _Worker(process)
            self._all.append(worker)
            idle.put_nowait(worker)
        self._idle = idle

    async def _start(self) -> None:
        await self._spawn(self.size)

    async def start(self) -> None:
        """Start the workers now rather than on the first call, so that their start-up
        overlaps whatever this process does before it has work for them."""
        if self._starting is None:
            self._starting = asyncio.ensure_future(self._start())
        with contextlib.suppress(OSError):  # the first call reports it
            await asyncio.shield(self._starting)

    async def grow(self, size: int) -> None:
        """Have at least ``size`` workers (once the first call has started them): for
        work that deserves every core, at the price of one more process in memory."""
        async with self._growing:
            if self._idle is None:
                self.size = max(self.size, size)
                return
            if size > len(self._all):
                with contextlib.suppress(OSError):  # as many as could start
                    await self._spawn(size - len(self._all))
            self.size = len(self._all)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        if self._idle is None:
            if self._starting is None:
                self._starting = asyncio.ensure_future(self._start())
            try:
                await asyncio.shield(self._starting)
            except OSError as error:
                raise WorkerCrashedError(f"no parser process: {error}") from None
        assert self._idle is not None
        payload = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
        if not any(w.process.returncode is None for w in self._all):
            raise WorkerCrashedError("no parser process left")
        worker = await self._idle.get()
        done = False
        try:
            result = await asyncio.wait_for(worker.call(payload), self.deadline)
            done = True
            return result  # type: ignore[no-any-return]
        except WorkerCrashedError:
            raise
        except TimeoutError:
            worker.kill()
            self._all.remove(worker)
            with contextlib.suppress(OSError):  # else one worker fewer
                await self._spawn(1)
            raise CallTimeoutError(
                f"took longer than {self.deadline:g} s and was stopped"
            ) from None
        except BaseException:
            done = not isinstance(sys.exc_info()[1], asyncio.CancelledError)
            raise
        finally:
            if done:
                self._idle.put_nowait(worker)
            else:
                worker.kill()  # crashed, late or cancelled mid-call: never reused

    async def close(self) -> None:
        """Stop every worker: end of input, then a kill for any that lingers."""
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            with contextlib.suppress(BaseException):
                await self._starting
        for worker in self._all:
            stdin = worker.process.stdin
            if stdin is not None:
                with contextlib.suppress(OSError):
                    stdin.close()
        for worker in self._all:
            try:
                await asyncio.wait_for(worker.process.wait(), _STOP_SECONDS)
            except (TimeoutError, asyncio.CancelledError):
                worker.kill()
                with contextlib.suppress(BaseException):
                    await worker.process.wait()
        self._all = []
