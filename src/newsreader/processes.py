"""Helper processes that share nothing with the cache and never outlive their parent.

A sync parses feeds in worker processes while its own process fetches and writes.
Each worker is ``python -m newsreader.worker``, fed over its own pipes, and three
things keep it harmless (see also the cache's rules in :mod:`newsreader.store.db`):

- **A fresh interpreter, never a fork of this process.** It inherits no SQLite
  connection and no descriptor of the cache (SQLite opens its files close-on-exec and
  the pipes are the only descriptors passed), whatever threads this process runs. The
  workers of a pool start as one interpreter that forks the others once it has
  imported the parsers (:class:`_Sibling`; Linux): that interpreter never opened the
  cache and runs one thread when it forks, and the parsers' memory is then shared
  (two workers take about 8 MB more than one, where a second interpreter took 20).
- **It dies with this process, however this process dies.** Only this process holds
  the write end of a worker's stdin and the read end of its stdout: when it is gone
  (SIGKILL included) the worker reads end-of-file and exits, and a worker busy parsing
  also sees its answers' pipe left without a reader (and, if it was started here, its
  parent's pid change). Ctrl-C reaches the whole process group, so workers ignore
  SIGINT and leave the interrupted sync to stop them.
- **Nothing of multiprocessing.** No semaphores and no resource-tracker process that
  would complain on the user's terminal after a killed sync: a request is one
  length-prefixed pickle on a pipe, the answer another.

A worker is never left waiting for this process. It holds up to :data:`DEPTH` requests
(the next one is already in its pipe when it sends an answer), and its pipes hold 1 MiB
(:data:`PIPE_BYTES`, where the system allows), so that an answer is written at once
rather than in 64 KiB pieces, each waiting for this process's busy event loop. Measured
on a cold sync of 200 feeds: a worker fed one request at a time spent a fifth of the
sync waiting.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import os
import select
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any, TypeVar

from newsreader.worker import FRAME, PIPE_BYTES

__all__ = [
    "CALL_DEADLINE",
    "DEPTH",
    "FRAME",
    "PIPE_BYTES",
    "CallTimeoutError",
    "WorkerCrashedError",
    "WorkerPool",
]

T = TypeVar("T")
_STOP_SECONDS = 5.0
_POLL_SECONDS = 0.01
_REAP_SECONDS = 1.0
CALL_DEADLINE = 120.0
"""Seconds a call may take. A feed of 92 KB parses in 4 ms; among the slowest real
documents the size cap lets in, a 4.8 MB feed of 40,000 undated entries takes about 10 s
(its parser tries each entry's guid as a date). A call still running after two minutes
is a parser caught in a loop, or a worker stopped from outside (a debugger, SIGSTOP),
and it must not hold up a sync."""
DEPTH = 2
"""Requests a worker holds at once: the one it works on and the next."""


class WorkerCrashedError(Exception):
    """A worker process died or could not start (the caller then works in-process)."""


class CallTimeoutError(Exception):
    """A call outlived the deadline: its worker was stopped and replaced. (The caller
    must not run the same work in-process: it may never end there either.)"""


class _NotStartedError(Exception):
    """A request queued behind a call that timed out: its worker never began it."""


_Pipes = tuple[asyncio.StreamWriter, asyncio.StreamReader, asyncio.BaseTransport]
"""A worker's stdin and stdout as streams, and the transport under its stdout."""


async def _connect(read_file: IO[bytes], write_file: IO[bytes]) -> _Pipes:
    """asyncio streams on two pipe ends (both closed if this fails or is cancelled)."""
    loop = asyncio.get_running_loop()
    read_pipe: asyncio.BaseTransport | None = None
    try:
        reader = asyncio.StreamReader(limit=PIPE_BYTES, loop=loop)
        read_pipe, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader, loop=loop), read_file
        )
        write_pipe, protocol = await loop.connect_write_pipe(_WriteProtocol, write_file)
    except BaseException:
        if read_pipe is not None:
            read_pipe.close()
        for pipe in (read_file, write_file):
            pipe.close()
        raise
    return asyncio.StreamWriter(write_pipe, protocol, None, loop), reader, read_pipe


class _Process:
    """A worker process and asyncio streams on its pipes (:class:`_Spawned` or
    :class:`_Sibling`)."""

    pid: int | None

    def __init__(self, pipes: _Pipes) -> None:
        self.stdin, self.stdout, self._read_pipe = pipes

    async def ready(self) -> None:
        """Return once the process can be signalled (its pid known)."""

    @property
    def returncode(self) -> int | None:
        raise NotImplementedError

    def kill(self) -> None:
        raise NotImplementedError

    async def wait(self) -> int:
        """Its exit status, polled (a worker exits within a millisecond of its stdin's end)."""
        pause = 0.001  # then longer: it ends at once when its stdin closes, or never
        while (code := self.returncode) is None:
            await asyncio.sleep(pause)
            pause = min(pause * 2, _POLL_SECONDS)
        return code

    def close(self) -> None:
        """Close both pipes (the process has exited or been killed)."""
        self.stdin.close()
        self._read_pipe.close()


class _Spawned(_Process):
    """A fresh interpreter started here.

    Not ``asyncio.create_subprocess_exec``: a task cancelled while that call connects
    the pipes waits for good (its transport never reports the exit: CPython issue
    gh-125502, still in 3.11.7), and a sync stopped by Ctrl-C or SIGTERM just as its
    workers started never ended. Here the process starts at once (``Popen``, as
    asyncio does), a cancelled connection kills it, and its exit is polled rather than
    reported by asyncio's child watcher.
    """

    def __init__(self, popen: subprocess.Popen[bytes], pipes: _Pipes) -> None:
        super().__init__(pipes)
        self.popen = popen
        self.pid = popen.pid

    @classmethod
    async def start(cls, preload: Sequence[str], siblings: int = 0) -> list[_Process]:
        """A fresh worker, then the ``siblings`` it forks once it has imported
        ``preload`` (each on pipes made here, their other ends passed to it)."""
        pairs = [(os.pipe(), os.pipe()) for _ in range(siblings)]
        theirs = [fd for requests, answers in pairs for fd in (requests[0], answers[1])]
        command = [sys.executable, "-m", "newsreader.worker"]
        if pairs:
            command += ["--siblings", ",".join(f"{r[0]}:{a[1]}" for r, a in pairs)]
        try:
            popen = subprocess.Popen(
                [*command, *preload],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                bufsize=0,
                pass_fds=theirs,
            )
        except BaseException:
            for requests, answers in pairs:
                for fd in (*requests, *answers):
                    os.close(fd)
            raise
        for fd in theirs:
            os.close(fd)
        assert popen.stdin is not None and popen.stdout is not None
        # Every end this process keeps, as files now, so that each is closed once.
        files = [(popen.stdout, popen.stdin)] + [
            (os.fdopen(answers[0], "rb", buffering=0), os.fdopen(requests[1], "wb", buffering=0))
            for requests, answers in pairs
        ]
        started: list[_Process] = []
        try:
            for index, (read_file, write_file) in enumerate(files):
                pipes = await _connect(read_file, write_file)
                started.append(cls(popen, pipes) if index == 0 else _Sibling(pipes))
        except BaseException:
            for process in started:
                process.close()
            for read_file, write_file in files[len(started) + 1 :]:
                read_file.close()
                write_file.close()
            popen.kill()
            popen.wait()  # a SIGKILL: at once
            raise
        return started

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def kill(self) -> None:
        """SIGKILL, then reap it (a killed process is gone within a millisecond)."""
        self.popen.kill()  # nothing once it has been reaped
        with contextlib.suppress(subprocess.TimeoutExpired):  # then :meth:`wait` reaps it
            self.popen.wait(_REAP_SECONDS)


class _Sibling(_Process):
    """A worker forked by a :class:`_Spawned` one once it had imported the parsers
    (see :mod:`newsreader.worker`): the modules' memory is shared until written to.

    It is not this process's child: its pid comes as its first message, and a pidfd
    (Linux) then stands for it, so that no signal can reach another process that took
    the pid once it is gone, and its end shows as the pidfd becoming readable. Its exit
    status is not ours to read: -SIGKILL once killed here, else 0.
    """

    def __init__(self, pipes: _Pipes) -> None:
        super().__init__(pipes)
        self.pid = None
        self._pidfd: int | None = None
        self._hello: asyncio.Task[None] | None = None
        self._ended = False
        """Its pipe ended before its pid came: it never ran (or ran and was killed)."""
        self._killed = False

    async def ready(self) -> None:
        if self.pid is not None or self._ended:
            return
        if self._hello is None:
            self._hello = asyncio.ensure_future(self._read_pid())
        await asyncio.shield(self._hello)

    async def _read_pid(self) -> None:
        try:
            (pid,) = FRAME.unpack(await self.stdout.readexactly(FRAME.size))
            self._pidfd = os.pidfd_open(pid)
        except BaseException:
            self._ended = True
            raise
        self.pid = pid
        if self._killed:
            self._signal()

    @property
    def returncode(self) -> int | None:
        if self._pidfd is not None and select.select([self._pidfd], [], [], 0)[0]:
            self._ended = True
        if not self._ended:
            return None
        return -signal.SIGKILL if self._killed else 0

    def kill(self) -> None:
        """SIGKILL, and wait for its end (within a millisecond); before its pid came,
        its requests' pipe is closed and it is killed as soon as the pid comes."""
        self._killed = True
        if self._pidfd is None:
            self.stdin.close()
            return
        self._signal()

    def _signal(self) -> None:
        assert self._pidfd is not None
        with contextlib.suppress(ProcessLookupError):
            signal.pidfd_send_signal(self._pidfd, signal.SIGKILL)
        select.select([self._pidfd], [], [], _REAP_SECONDS)

    async def wait(self) -> int:
        with contextlib.suppress(Exception):  # its pipe ended: it never ran
            await self.ready()
        return await super().wait()

    def close(self) -> None:
        super().close()
        if self._hello is not None:
            self._hello.cancel()
        if self._pidfd is not None:
            self.returncode  # noqa: B018 - notes its end, if it has ended
            os.close(self._pidfd)
            self._pidfd = None


@functools.cache
def siblings_supported() -> bool:
    """Whether workers may fork their siblings here: Linux with pidfds (5.3 or later)."""
    if not sys.platform.startswith("linux") or not hasattr(os, "pidfd_open"):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return False
    return hasattr(signal, "pidfd_send_signal")


class _WriteProtocol(asyncio.streams.FlowControlMixin, asyncio.Protocol):
    """What a StreamWriter on a pipe needs: drain() waits while the pipe is full."""


class _Worker:
    """One process, the requests it holds (oldest first) and the task reading its
    answers, which resolves them in order."""

    def __init__(self, process: _Process, pool: WorkerPool) -> None:
        self.process = process
        self.pool = pool
        self.waiting: collections.deque[asyncio.Future[Any]] = collections.deque()
        self.alive = True
        self.killed = False
        self.replacement: asyncio.Task[None] | None = None
        """The worker starting in place of this one, after a call outlived the deadline."""
        self._sent = asyncio.Event()
        self.reader = asyncio.ensure_future(self._read_answers())

    async def send(self, payload: bytes) -> asyncio.Future[Any]:
        """Queue one request; the future is its answer."""
        stdin = self.process.stdin
        assert stdin is not None
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        try:
            stdin.write(FRAME.pack(len(payload)) + payload)
        except (OSError, RuntimeError) as error:  # RuntimeError: its transport is closed
            self.stop(WorkerCrashedError(f"a parser process stopped: {error}"))
            raise WorkerCrashedError(f"a parser process stopped: {error}") from None
        self.waiting.append(future)
        self._sent.set()
        try:
            await stdin.drain()
        except OSError as error:
            self.stop(WorkerCrashedError(f"a parser process stopped: {error}"))
        except asyncio.CancelledError:
            if not future.cancel():  # its answer, when it comes, is dropped
                future.exception()  # else it already failed, and nobody will read it
            raise
        return future

    async def _read_answers(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None
        try:
            while True:
                while not self.waiting:
                    self._sent.clear()
                    await self._sent.wait()
                # The oldest request's time starts when its worker can begin it: now.
                try:
                    async with asyncio.timeout(self.pool.deadline):
                        await self.process.ready()  # a sibling's pid comes first
                        (size,) = FRAME.unpack(await stdout.readexactly(FRAME.size))
                        data = await stdout.readexactly(size)
                except TimeoutError:
                    self.replacement = self.pool.replace(self)
                    self.stop(
                        CallTimeoutError(
                            f"took longer than {self.pool.deadline:g} s and was stopped"
                        )
                    )
                    return
                if not self.waiting:  # stopped meanwhile (its pipe broke on a request)
                    return
                future = self.waiting.popleft()
                import pickle  # imported with the first answer: an all-304 sync has none

                try:
                    ok, value = pickle.loads(data)  # noqa: S301 - our own worker
                except Exception as error:  # noqa: BLE001 - e.g. an exception class gone
                    ok, value = False, WorkerCrashedError(f"an answer could not be read: {error}")
                if not future.done():  # else its caller was cancelled: nobody wants it
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(_settable(value))
                self.pool.room.set()
        except (OSError, EOFError, asyncio.IncompleteReadError) as error:
            self.stop(WorkerCrashedError(f"a parser process stopped: {error}"))
        finally:
            self.stop(WorkerCrashedError("the parser processes were stopped"))  # if still up

    def stop(self, error: Exception) -> None:
        """Kill the process; the oldest request gets ``error``, those behind it, if it
        timed out, go to another worker, else get ``error`` too."""
        if not self.alive:
            return
        self.alive = False
        self.kill()
        self.process.close()
        later = _NotStartedError() if isinstance(error, CallTimeoutError) else error
        for index, future in enumerate(self.waiting):
            if not future.done():
                future.set_exception(later if index else error)
        self.waiting.clear()
        self.pool.room.set()

    def kill(self) -> None:
        """SIGKILL, once, unless it has exited already."""
        if self.killed or self.process.returncode is not None:
            return
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()


def _settable(error: object) -> BaseException:
    """What a future may be failed with: asyncio refuses StopIteration (a bare ``next()``
    in the work), which would leave its caller waiting for good."""
    if isinstance(error, StopIteration | StopAsyncIteration):
        return RuntimeError(f"the work raised {type(error).__name__}")
    if isinstance(error, BaseException):
        return error
    return WorkerCrashedError(f"an answer could not be read: {error!r}")


class WorkerPool:
    """``size`` worker processes for CPU-bound calls from one asyncio loop.

    :meth:`run` sends a module-level function and its arguments (both picklable) to the
    least busy worker that has room (:data:`DEPTH`) and returns its result, or raises
    what it raised. Workers start on the first call. A cancelled call's answer is
    dropped when it comes; a call that outlives ``deadline`` (counted from when its
    worker could begin it) gets its worker killed and replaced
    (:class:`CallTimeoutError`), and the requests queued behind it go to another worker.
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
        self.room = asyncio.Event()
        """Set when a worker may have room: an answer came, or a worker started or died."""
        self._all: list[_Worker] = []
        self._replacing: set[asyncio.Task[None]] = set()
        self._started = False
        self._starting: asyncio.Task[None] | None = None
        self._growing = asyncio.Lock()

    async def _spawn(self, count: int, *, forked: bool = False) -> None:
        """Start ``count`` workers: fresh interpreters, or (``forked``, where
        :func:`siblings_supported`) one interpreter that forks the others."""
        while count > 0:
            siblings = count - 1 if forked and siblings_supported() else 0
            for process in await _Spawned.start(self.preload, siblings):
                self._all.append(_Worker(process, self))
            count -= 1 + siblings
            self.room.set()

    async def _start(self) -> None:
        try:
            while len(self._all) < self.size:  # :meth:`grow` may raise it meanwhile
                await self._spawn(self.size - len(self._all), forked=True)
        finally:
            self._started = True

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
            if not self._started:
                self.size = max(self.size, size)
                return
            if size > len(self._all):
                with contextlib.suppress(OSError):  # as many as could start
                    await self._spawn(size - len(self._all))
            self.size = len(self._all)

    def replace(self, worker: _Worker) -> asyncio.Task[None]:
        """Retire ``worker`` and start another in its place (calls wait for it)."""
        if worker in self._all:
            self._all.remove(worker)

        async def start() -> None:
            try:
                with contextlib.suppress(OSError):  # else one worker fewer
                    await self._spawn(1)
            finally:
                self._replacing.discard(task)
                self.room.set()

        task = asyncio.ensure_future(start())
        self._replacing.add(task)
        return task

    async def _with_room(self) -> _Worker:
        while True:
            live = [w for w in self._all if w.alive and w.process.returncode is None]
            if not live and not self._replacing:
                raise WorkerCrashedError("no parser process left")
            free = [w for w in live if len(w.waiting) < DEPTH]
            if free:
                return min(free, key=lambda w: len(w.waiting))
            self.room.clear()
            await self.room.wait()

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        if not self._started:
            if self._starting is None:
                self._starting = asyncio.ensure_future(self._start())
            try:
                await asyncio.shield(self._starting)
            except OSError as error:
                raise WorkerCrashedError(f"no parser process: {error}") from None
        import pickle

        payload = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
        while True:
            worker = await self._with_room()
            answer = await worker.send(payload)
            try:
                return await answer  # type: ignore[no-any-return]
            except _NotStartedError:
                continue  # its worker timed out on the request before: send it again
            except CallTimeoutError:
                if worker.replacement is not None:
                    await asyncio.shield(worker.replacement)
                raise

    async def close(self) -> None:
        """Stop every worker: end of input (a kill for one still holding requests,
        whose answers nobody waits for any more), then a kill for any that lingers."""
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            with contextlib.suppress(BaseException):
                await self._starting
        for task in list(self._replacing):  # a few milliseconds: then it is closed too
            with contextlib.suppress(BaseException):
                await asyncio.shield(task)
        for worker in self._all:
            if worker.waiting:
                worker.kill()
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
            worker.reader.cancel()
            with contextlib.suppress(BaseException):
                await worker.reader
            worker.process.close()
        self._all = []
