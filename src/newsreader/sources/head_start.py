"""A sync's first requests, sent while the rest of newsreader is still loading.

Before ``newsreader sync`` sends its first request it imports the event loop, reads and
checks config.toml, opens the cache and starts its client: 0.15 to 0.3 s, and on a
cache that is up to date a sync is mostly waiting for 304s, so that start-up is most of
what it can still save. Every whole sync therefore writes down the requests the next
one will send first (:data:`PLAN_NAME`, next to the cache, readable by the user only:
the feeds' conditional requests, validators included). The next bare ``newsreader
sync`` reads it before anything else (:func:`begin`, called by
:mod:`newsreader.launch`) and forks a helper that sends those requests through libcurl
while this process loads; once the sync's client is up it takes over
(:meth:`HeadStart.attach`):

- only while the plan still holds: config.toml unchanged (:func:`~newsreader.paths.file_stamp`),
  the same newsreader, no proxy named by the environment (the requests would go
  another way), and only the sources that are due;
- the sync takes an answer only for the very same request: URL, every header line
  (validators included), size cap and deadline (:mod:`newsreader.sources.curl` sets up
  both the same way); any other request it sends itself, as it would have;
- the sync's limits hold across the hand-over: the helper sends nothing once told to
  stop, and each of its requests still in flight then holds one of the sync's slots,
  globally and for its host, until it ends (:meth:`HeadStart.in_flight`);
- the helper is forked before this process has opened anything (no cache, no thread),
  never touches the cache, and ends when told to or when this process goes away (its
  end of a pipe closes);
- a plan that cannot be read, or does not hold, means no head start, never a failed
  sync.

The helper is a process, not a thread: a thread's libcurl callbacks would wait for
the interpreter lock behind the imports it is meant to overlap (measured in
``bench/README.md``).
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    import asyncio
    from collections.abc import Mapping
    from typing import Any, TypeAlias

    import pycurl

    from newsreader.sources.curl import Response, Transfer, TransferError

    Outcome: TypeAlias = "Response | TransferError | None"
    """What became of a request sent by the helper: its answer, its failure, or None
    when it was stopped before either (the sync then sends it itself)."""
    Key: TypeAlias = "tuple[str, str, tuple[str, ...], bytes | None, int, float, str | None, bool]"
    """A request as :meth:`newsreader.sources.transfer.Client.send` sends it: method,
    wire URL, header lines, body, size cap, deadline, proxy, whether an error's body is
    kept."""

__all__ = ["PLAN_NAME", "HeadStart", "Plan", "PlannedRequest", "begin", "save_plan", "started"]

PLAN_NAME = "sync-plan.txt"
"""The plan's file, in the data dir."""
_MAGIC = "newsreader-sync-plan 1"
_MAX_PLAN_BYTES = 8 * 1024 * 1024
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")
_HANDOVER_WAIT = 1.0
"""Seconds the sync waits for the helper to say what it has in flight; past that the
helper is stopped and the sync sends everything itself."""


class PlannedRequest:
    """One request of the plan: a feed's conditional GET. (A plain class: this module
    is read before ``typing`` is imported, on every sync.)"""

    __slots__ = ("host", "lines", "not_before", "url")

    def __init__(self, url: str, host: str, lines: tuple[str, ...], not_before: float) -> None:
        self.url = url
        """As libcurl takes it (:func:`~newsreader.sources.curl.wire_url`)."""
        self.host = host
        """The key of the sync's per-host limit for it."""
        self.lines = lines
        """Every header line, as the sync's client would send them."""
        self.not_before = not_before
        """Not sent before this time (seconds since the epoch): the source is not due."""


class Plan:
    """What the next sync will send first, and the settings it sends it with."""

    __slots__ = (
        "concurrency",
        "config_stamp",
        "connect_ms",
        "max_bytes",
        "max_headers",
        "per_host",
        "requests",
        "timeout",
    )

    def __init__(
        self,
        *,
        config_stamp: str,
        concurrency: int,
        per_host: int,
        timeout: float,
        max_bytes: int,
        max_headers: int,
        connect_ms: int,
        requests: tuple[PlannedRequest, ...],
    ) -> None:
        self.config_stamp = config_stamp
        self.concurrency = concurrency
        self.per_host = per_host
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_headers = max_headers
        self.connect_ms = connect_ms
        self.requests = requests

    def key(self, request: PlannedRequest) -> Key:
        return ("GET", request.url, request.lines, None, self.max_bytes, self.timeout, None, False)


def save_plan(folder: str | os.PathLike[str], plan: Plan) -> None:
    """Write ``plan`` for the next sync, atomically, readable by the user only. A plan
    that cannot be written is no error: the next sync starts without a head start.
    (URLs and header lines hold no line break: the client refuses them.)"""
    from newsreader import __version__

    lines = [
        _MAGIC,
        f"version {__version__}",
        f"config {plan.config_stamp}",
        f"settings {plan.concurrency} {plan.per_host} {plan.timeout!r} {plan.max_bytes}"
        f" {plan.max_headers} {plan.connect_ms}",
    ]
    for request in plan.requests:
        lines.append(f"request {request.not_before!r} {request.host} {request.url}")
        lines += [f"header {line}" for line in request.lines]
    text = "\n".join(lines) + "\n"
    target = os.path.join(folder, PLAN_NAME)
    temporary = os.path.join(folder, f".{PLAN_NAME}.{os.getpid()}")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(temporary, target)
    except OSError:
        import contextlib

        with contextlib.suppress(OSError):
            os.unlink(temporary)


def load_plan(folder: str, config: str, environ: Mapping[str, str]) -> Plan | None:
    """The plan in ``folder`` if it still holds (see the module docstring), else None."""
    if any(name in environ or name.upper() in environ for name in _PROXY_VARIABLES):
        return None
    try:
        with open(os.path.join(folder, PLAN_NAME), "rb") as file:
            raw = file.read(_MAX_PLAN_BYTES + 1)
        if len(raw) > _MAX_PLAN_BYTES:
            return None
        return _parse_plan(raw.decode("utf-8"), config)
    except (OSError, ValueError, IndexError):
        return None


def _parse_plan(text: str, config: str) -> Plan | None:
    from newsreader import __version__

    lines = text.split("\n")
    if lines[0] != _MAGIC or lines[1] != f"version {__version__}":
        return None
    from newsreader.paths import file_stamp

    if lines[2] != f"config {file_stamp(config)}":
        return None
    word, *numbers = lines[3].split(" ")
    if word != "settings" or len(numbers) != 6:
        return None
    concurrency, per_host = _positive(numbers[0]), _positive(numbers[1])
    timeout = float(numbers[2])
    max_bytes, max_headers, connect_ms = (_positive(n) for n in numbers[3:])
    if not 0 < timeout <= 3600:
        return None
    requests: list[PlannedRequest] = []
    for line in lines[4:]:
        word, _, rest = line.partition(" ")
        if word == "request":
            not_before, host, url = rest.split(" ")
            if url.partition(":")[0].lower() not in ("http", "https") or not url.isprintable():
                raise ValueError("not an http URL")
            requests.append(PlannedRequest(url, host, (), float(not_before)))
        elif word == "header" and requests and rest.isprintable():
            requests[-1].lines += (rest,)
        elif line:
            raise ValueError("not a plan")
    return Plan(
        config_stamp=lines[2].partition(" ")[2],
        concurrency=concurrency,
        per_host=per_host,
        timeout=timeout,
        max_bytes=max_bytes,
        max_headers=max_headers,
        connect_ms=connect_ms,
        requests=tuple(requests),
    )


def _positive(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) <= 0:
        raise ValueError("not a positive whole number")
    return int(text)


_STARTED: HeadStart | None = None


def begin(environ: Mapping[str, str] | None = None) -> HeadStart | None:
    """Start the head start of a bare ``newsreader sync``; the sync finds it with
    :func:`started`. The helper is forked first and imports libcurl while this process
    finds the plan and checks that it holds; then the helper gets the due requests, or
    is told to end (a first sync, a changed config.toml). Never raises: a head start
    is a bonus."""
    global _STARTED
    try:
        environ = os.environ if environ is None else environ
        _STARTED = HeadStart()
        folder, config = _folders(environ)
        _STARTED.start(load_plan(folder, config, environ))
    except Exception:  # noqa: BLE001 - no head start, and the sync goes on as ever
        return _STARTED
    return _STARTED


def _folders(environ: Mapping[str, str]) -> tuple[str, str]:
    """The data dir and config.toml of a sync without ``--data-dir``."""
    from newsreader.paths import resolve

    paths = resolve(environ=environ)
    return str(paths.data_dir), str(paths.config_file)


def started() -> HeadStart | None:
    """The head start :func:`begin` made in this process, handed over once."""
    global _STARTED
    head_start, _STARTED = _STARTED, None
    return head_start


# -- the helper's messages: a length, then a marshalled tuple ------------------------------
# ("s", i): request i is sent; ("a", i, status, reason, headers, body): its answer;
# ("f", i, code, message, os_errno, reason): its failure; ("h",): nothing more is sent.


def _write_message(fd: int, message: tuple[Any, ...]) -> None:
    import marshal

    data = marshal.dumps(message)
    view = memoryview(len(data).to_bytes(4, "big") + data)
    while view:
        view = view[os.write(fd, view) :]


def _release(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _release_after(released: asyncio.Future[None], answer: asyncio.Future[Outcome]) -> None:
    _release(released)


def _widen(fd: int) -> None:
    """Give a pipe room for a whole plan, or for answers the sync has not read yet
    (1 MiB where Linux allows it): neither side then waits for the other to read."""
    try:
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass  # the default room (64 KiB): a side may wait a little for the other


class HeadStart:
    """The helper process and what it said: which planned requests it sent, and their
    answers, kept for the very same requests until the sync takes them."""

    def __init__(self) -> None:
        control_read, self._control = os.pipe()
        self._answers_fd, answers_write = os.pipe()
        _widen(self._control)
        _widen(answers_write)
        pid = os.fork()
        if pid == 0:  # the helper: nothing of this process's own is open yet
            code = 0
            try:
                os.close(self._control)
                os.close(self._answers_fd)
                _Helper(control_read, answers_write).run()
            except BaseException:  # noqa: BLE001 - the helper ends quietly, whatever happens
                code = 1
            os._exit(code)
        os.close(control_read)
        os.close(answers_write)
        self.pid: int | None = pid
        self._plan: Plan | None = None
        self._requests: tuple[PlannedRequest, ...] = ()
        self._buffer = b""
        self._ended = False
        """The helper closed its end: every message is in."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._answered: dict[int, Outcome] = {}
        self._flying: set[int] = set()
        self._futures: dict[Key, asyncio.Future[Outcome]] = {}
        """Each request the helper sent, until the sync takes its answer."""
        self._every: dict[int, asyncio.Future[Outcome]] = {}
        self._holding: list[tuple[str, asyncio.Future[None]]] = []
        self._released: dict[Key, asyncio.Future[None]] = {}
        """For each request in flight at the hand-over: done once it ends, or once the
        sync takes it (its own slot then counts it)."""
        self.sent = 0
        """Requests the helper sent (as far as it has said)."""

    def start(self, plan: Plan | None) -> None:
        """Give the helper the due requests of ``plan``; with none (no plan that holds,
        or nothing due) the helper is told to end, and this head start does nothing."""
        import time

        now = time.time()
        due = tuple(r for r in plan.requests if r.not_before <= now) if plan else ()
        if plan is None or not due:
            self._let_go()
            return
        self._plan, self._requests = plan, due
        settings = (
            plan.concurrency,
            plan.per_host,
            plan.timeout,
            plan.max_bytes,
            plan.max_headers,
            plan.connect_ms,
        )
        requests = tuple((r.url, r.host, r.lines) for r in due)
        try:
            _write_message(self._control, ("go", settings, requests))
        except OSError:
            self._let_go()

    def _let_go(self) -> None:
        """End the helper without waiting for it (it is reaped at :meth:`close`)."""
        self._plan = None
        self._ended = True
        for fd in (self._control, self._answers_fd):
            if fd >= 0:
                os.close(fd)
        self._control = self._answers_fd = -1

    # -- the sync's side (the event loop's thread) ---------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """The sync's client is up: the helper sends nothing more, and says what it
        still has in flight; its answers go to ``loop`` from now on."""
        if self._loop is not None or self._plan is None:
            return
        self._loop = loop
        import contextlib

        with contextlib.suppress(OSError):  # the helper may be done: still to be read
            _write_message(self._control, ("h",))
        try:
            self._read_until_handover()
        except OSError:
            self._stop_helper()
        if not self._ended and self._flying:
            os.set_blocking(self._answers_fd, False)
            loop.add_reader(self._answers_fd, self._readable)
        import functools

        plan = self._plan
        if plan is None:  # the helper was stopped: the sync sends everything itself
            return
        for index, request in enumerate(self._requests):
            key = plan.key(request)
            if index in self._answered:
                future = loop.create_future()
                future.set_result(self._answered.pop(index))
            elif index in self._flying and not self._ended:
                future = loop.create_future()
                released: asyncio.Future[None] = loop.create_future()
                future.add_done_callback(functools.partial(_release_after, released))
                self._released[key] = released
                self._holding.append((request.url, released))
            else:
                continue
            self._futures[key] = self._every[index] = future

    def _read_until_handover(self) -> None:
        """Read the helper's messages up to its ``("h",)``, within :data:`_HANDOVER_WAIT`."""
        import select
        import time

        deadline = time.monotonic() + _HANDOVER_WAIT
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._answers_fd], [], [], left)[0]:
                self._stop_helper()  # stuck: what it sent is lost, the sync sends it all
                self._answered.clear()
                return
            data = os.read(self._answers_fd, 1 << 16)
            if not data:
                self._ended = True
                return
            if self._take_messages(data):
                return

    def _take_messages(self, data: bytes) -> bool:
        """Take the whole messages in what was read; True once ``("h",)`` is among them."""
        import marshal

        buffer = self._buffer + data
        handed_over = False
        while len(buffer) >= 4:
            size = int.from_bytes(buffer[:4], "big")
            if len(buffer) < 4 + size:
                break
            message = marshal.loads(buffer[4 : 4 + size])  # noqa: S302 - our own fork wrote it
            buffer = buffer[4 + size :]
            kind = message[0]
            if kind == "h":
                handed_over = True
            elif kind == "s":
                self._flying.add(message[1])
                self.sent += 1
            else:
                self._settle(message)
        self._buffer = buffer
        return handed_over

    def _settle(self, message: tuple[Any, ...]) -> None:
        from newsreader.sources.curl import Response, TransferError

        index = message[1]
        self._flying.discard(index)
        outcome: Outcome
        if message[0] == "a":
            outcome = Response(message[2], message[3], message[4], message[5])
        else:
            outcome = TransferError(message[2], message[3], os_errno=message[4], reason=message[5])
        future = self._every.get(index)
        if future is None:
            self._answered[index] = outcome
        elif not future.done():
            future.set_result(outcome)

    def _readable(self) -> None:
        try:
            data = os.read(self._answers_fd, 1 << 16)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self._take_messages(data)
            return
        self._ended = True
        assert self._loop is not None
        self._loop.remove_reader(self._answers_fd)
        for index in self._flying:  # stopped before their answers: the sync sends them
            future = self._every.get(index)
            if future is not None and not future.done():
                future.set_result(None)
        self._flying.clear()

    def in_flight(self) -> list[tuple[str, asyncio.Future[None]]]:
        """The requests still in flight at the hand-over: each one's URL, and a future
        done once it ends or the sync takes it. The sync holds a slot for each until
        then (a request it takes is counted by the slot it was sent under)."""
        holding, self._holding = self._holding, []
        return holding

    def take(self, key: Key) -> asyncio.Future[Outcome] | None:
        """The answer to the very request ``key``, if the helper sent it (once)."""
        released = self._released.pop(key, None)
        if released is not None:
            _release(released)
        return self._futures.pop(key, None)

    def close(self) -> None:
        """Stop the helper and wait for it; answers nobody took are dropped."""
        if self._loop is not None and not self._ended and self._answers_fd >= 0:
            self._loop.remove_reader(self._answers_fd)
        self._ended = True
        for future in self._every.values():
            if not future.done():
                future.set_result(None)
        for released in self._released.values():
            _release(released)
        self._futures.clear()
        self._every.clear()
        self._released.clear()
        self._stop_helper()

    def _stop_helper(self) -> None:
        """Close the pipes (the helper ends when its control pipe closes), then wait
        for it; killed if it does not end within a second."""
        import time

        self._let_go()
        if self.pid is None:
            return
        deadline = time.monotonic() + 1.0
        while os.waitpid(self.pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
                break
            time.sleep(0.002)
        self.pid = None


class _Helper:
    """The forked helper: imports libcurl, waits for its requests, sends them
    ``concurrency`` at a time and ``per_host`` to a host until told to stop, and says
    what it sent and what came. It ends when this process closes the control pipe."""

    def __init__(self, control: int, answers: int) -> None:
        import pycurl

        from newsreader.sources.curl import Transfer, TransferError, prepare

        self._lib = pycurl
        self._transfer, self._error, self._prepare = Transfer, TransferError, prepare
        self._control = control
        self._answers = answers
        self._inbox = b""
        self._sending = True
        self._multi = pycurl.CurlMulti()
        self._active: dict[pycurl.Curl, tuple[Transfer, int, str]] = {}
        self._hosts: dict[str, int] = {}

    def _message(self, wait: bool) -> tuple[Any, ...] | None:
        """The next message from this process (None: none yet); SystemExit at the end
        of the pipe."""
        import marshal

        while True:
            if len(self._inbox) >= 4:
                size = int.from_bytes(self._inbox[:4], "big")
                if len(self._inbox) >= 4 + size:
                    data, self._inbox = self._inbox[4 : 4 + size], self._inbox[4 + size :]
                    message: tuple[Any, ...] = marshal.loads(data)  # noqa: S302 - from our parent
                    return message
            os.set_blocking(self._control, wait)
            try:
                data = os.read(self._control, 1 << 16)
            except BlockingIOError:
                return None
            if not data:
                raise SystemExit  # told to end, or this process went away: stop at once
            self._inbox += data

    def run(self) -> None:
        import select

        first = self._message(wait=True)
        assert first is not None and first[0] == "go"
        (concurrency, per_host, timeout, max_bytes, max_headers, connect_ms) = first[1]
        self._limits = (concurrency, per_host, timeout, max_bytes, max_headers, connect_ms)
        self._waiting = list(enumerate(first[2]))
        self._multi.setopt(self._lib.M_MAXCONNECTS, concurrency)
        lib = self._lib
        try:
            while True:
                if self._sending and self._message(wait=False) is not None:
                    self._sending = False  # the sync took over: nothing more leaves
                    self._waiting.clear()
                    _write_message(self._answers, ("h",))
                if self._sending:
                    self._send()
                if (not self._sending or not self._waiting) and not self._active:
                    return
                while self._multi.perform()[0] == lib.E_CALL_MULTI_PERFORM:
                    pass
                self._collect()
                readers, writers, errors = self._multi.fdset()
                wait = self._multi.timeout()
                seconds = 0.05 if wait < 0 else min(wait / 1000, 0.05)
                select.select([*readers, self._control], writers, errors, seconds)
                if not self._sending:
                    self._message(wait=False)  # only its end can come now
        finally:
            for curl in self._active:
                self._multi.remove_handle(curl)
                curl.close()
            self._multi.close()

    def _send(self) -> None:
        concurrency, per_host, timeout, max_bytes, max_headers, connect_ms = self._limits
        left = []
        for index, (url, host, lines) in self._waiting:
            if len(self._active) >= concurrency or self._hosts.get(host, 0) >= per_host:
                left.append((index, (url, host, lines)))
                continue
            transfer = self._transfer(max_bytes, max_headers, False)
            curl = self._lib.Curl()
            try:
                self._prepare(
                    curl,
                    transfer,
                    "GET",
                    url,
                    lines,
                    None,
                    timeout=timeout,
                    connect_ms=connect_ms,
                    proxy=None,
                )
            except (ValueError, self._lib.error):
                curl.close()  # the sync sends it, and says what is wrong with it
                continue
            _write_message(self._answers, ("s", index))
            self._active[curl] = (transfer, index, host)
            self._hosts[host] = self._hosts.get(host, 0) + 1
            self._multi.add_handle(curl)
        self._waiting = left

    def _collect(self) -> None:
        while True:
            queued, succeeded, failed = self._multi.info_read()
            done: list[tuple[pycurl.Curl, tuple[int, str] | None]]
            done = [(curl, None) for curl in succeeded]
            done += [(curl, (code, message)) for curl, code, message in failed]
            for curl, failure in done:
                self._multi.remove_handle(curl)
                transfer, index, host = self._active.pop(curl)
                self._hosts[host] -= 1
                outcome = transfer.outcome(curl, failure)
                curl.close()
                if isinstance(outcome, self._error):
                    message = ("f", index, outcome.code, str(outcome), outcome.os_errno)
                    _write_message(self._answers, (*message, outcome.reason))
                else:
                    status, reason, headers, body = outcome
                    _write_message(self._answers, ("a", index, status, reason, headers, body))
            if not queued:
                return
