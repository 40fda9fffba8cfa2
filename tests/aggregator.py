"""A real Miniflux on a real PostgreSQL, for the tests of aggregator accounts.

    go install miniflux.app/v2@v2.3.5    once, into the test cache (about 45 s cold)
    initdb + postgres                     a throwaway cluster in a temp dir, unix socket only
    miniflux                              127.0.0.1 on a free port, migrations, an admin

Everything listens on loopback only (PostgreSQL has no TCP port at all), every step has
a deadline, and the processes die with the test session: stopped at the end, and
killed by the kernel if the session itself dies (``PR_SET_PDEATHSIG``).

Miniflux is told never to reach out on its own: no scheduler (feeds are refreshed only
when a test asks, through the REST API), no media proxy rewriting, and an HTTP proxy
that does not exist for every host that is not loopback, so that a stray fetch fails at
once instead of leaving the machine. ``FETCHER_ALLOW_PRIVATE_NETWORKS`` lets it fetch
the tests' loopback feed server (v2.3.5 refuses private and loopback addresses by
default).

Setting up users goes through Miniflux's REST API (``/v1/...``). Its Google Reader
integration has no REST endpoint, so :meth:`Miniflux.enable_google_reader` writes the
integration row in SQL, with a bcrypt hash made by pgcrypto, as the settings page would.

Run ``python -m tests.aggregator build`` to build Miniflux ahead of the tests (CI does),
``python -m tests.aggregator check`` to start and stop everything once with timings.
Only the standard library is imported at module level, so that ``build`` runs before the
project is installed.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "MINIFLUX_MODULE",
    "MINIFLUX_VERSION",
    "HarnessError",
    "HarnessUnavailableError",
    "Hidden",
    "Miniflux",
    "MinifluxUser",
    "Postgres",
    "build_miniflux",
    "start",
    "wait_until",
]

MINIFLUX_MODULE = "miniflux.app/v2"
MINIFLUX_VERSION = "v2.3.5"
"""Pinned: the Google Reader behaviour the tests rely on is Miniflux's own, version by
version (its README in ``internal/googlereader/`` documents this one)."""
BUILD_TIMEOUT = 900.0
"""Seconds for ``go install``: 45 s on a cold cache here, far more on a slow mirror."""
STEP_TIMEOUT = 60.0
"""Seconds for each of initdb, PostgreSQL ready, Miniflux healthy."""
_BINARY = "miniflux.app"  # what `go install miniflux.app/v2` names it


class HarnessUnavailableError(Exception):
    """A prerequisite is missing (Go, PostgreSQL): outside CI the tests may skip."""


class HarnessError(Exception):
    """Building or starting the harness failed: always a test failure."""


@dataclass
class Timings:
    """Seconds each step took, for ``check`` and for the report of a slow start."""

    build: float = 0.0
    initdb: float = 0.0
    postgres: float = 0.0
    miniflux: float = 0.0

    def __str__(self) -> str:
        return (
            f"build {self.build:.1f} s, initdb {self.initdb:.1f} s, "
            f"postgres {self.postgres:.1f} s, miniflux {self.miniflux:.1f} s"
        )


class Hidden(str):
    """A test password: a plain string to every API, ``'…'`` to ``repr``, so that no
    traceback or assertion message pytest prints ever shows it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'…'"


def in_ci() -> bool:
    """CI sets ``CI=true``: there the aggregator tests must run, never skip."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def wait_until(
    condition: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.05, what: str
) -> Any:
    """Poll ``condition`` until it returns something truthy, at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise HarnessError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)


# -- building Miniflux --------------------------------------------------------------


def cache_dir() -> Path:
    """Where the built Miniflux is kept between runs: ``NEWSREADER_TEST_CACHE``, else
    ``$XDG_CACHE_HOME/newsreader-tests``, else ``~/.cache/newsreader-tests``."""
    if explicit := os.environ.get("NEWSREADER_TEST_CACHE"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsreader-tests"


def find_go() -> str:
    """The ``go`` command, on PATH or where the official archive installs it."""
    found = shutil.which("go") or next(
        (p for p in ("/usr/local/go/bin/go", "/usr/lib/go/bin/go") if os.access(p, os.X_OK)),
        None,
    )
    if not found:
        raise HarnessUnavailableError("Go is not installed: it builds Miniflux for these tests")
    return found


def build_miniflux(*, timeout: float = BUILD_TIMEOUT) -> tuple[Path, float]:
    """The pinned Miniflux binary, built from the Go module proxy unless already there.

    Returns the path and the seconds spent building (0 when cached). Builds go to a
    temporary directory beside the target and are renamed into place, under a lock, so
    two test runs at once never see half a binary. ``NEWSREADER_TEST_MINIFLUX`` names a
    binary to use instead.
    """
    if explicit := os.environ.get("NEWSREADER_TEST_MINIFLUX"):
        if not os.access(explicit, os.X_OK):
            raise HarnessError(f"NEWSREADER_TEST_MINIFLUX={explicit} is not an executable")
        return Path(explicit), 0.0
    target = cache_dir() / f"miniflux-{MINIFLUX_VERSION}" / _BINARY
    if os.access(target, os.X_OK):
        return target, 0.0
    go = find_go()
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(target.parent / ".lock", "w") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - started > timeout:
                    raise HarnessError("timed out waiting for another build of Miniflux") from None
                time.sleep(0.5)
        if os.access(target, os.X_OK):  # the other build finished meanwhile
            return target, 0.0
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
            log = Path(tmp) / "build.log"
            env = {**os.environ, "GOBIN": tmp, "CGO_ENABLED": "0"}
            command = [go, "install", f"{MINIFLUX_MODULE}@{MINIFLUX_VERSION}"]
            code = _run_bounded(command, env=env, log=log, timeout=timeout, cwd=tmp)
            built = Path(tmp) / _BINARY
            if code != 0 or not built.exists():
                raise HarnessError(f"`{' '.join(command[1:])}` failed (exit {code}): {_tail(log)}")
            _check_version(go, built)
            os.replace(built, target)
    return target, time.monotonic() - started


def _check_version(go: str, binary: Path) -> None:
    """The module version recorded in the binary must be the pinned one."""
    info = subprocess.run(
        [go, "version", "-m", str(binary)], capture_output=True, text=True, timeout=60, check=False
    ).stdout
    if not re.search(rf"^\s*mod\s+{re.escape(MINIFLUX_MODULE)}\s+{MINIFLUX_VERSION}\b", info, re.M):
        raise HarnessError(f"the built Miniflux is not {MINIFLUX_VERSION}: {info[:300]}")


def _run_bounded(
    command: list[str], *, env: dict[str, str], log: Path, timeout: float, cwd: str
) -> int:
    """Run a command with its output in ``log``; its whole process group dies at ``timeout``."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True
        )
        try:
            return process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            raise HarnessError(f"`{' '.join(command)}` took more than {timeout:g} s") from None


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text("utf-8", "replace")
    except OSError:
        return "(no log)"
    return " | ".join(text.strip().splitlines()[-lines:]) or "(empty log)"


# -- processes ----------------------------------------------------------------------

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _dies_with_us(sig: signal.Signals) -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the kernel send ``sig`` to the child when we die.

    It runs in the child after the switch to another user (which would clear it).
    """
    if _libc is None:
        return None
    prctl = _libc.prctl

    def arm() -> None:
        prctl(_PR_SET_PDEATHSIG, int(sig))

    return arm


@dataclass
class _Account:
    """The OS user the database runs as: ourselves, or, as root, an unprivileged one
    (initdb and postgres refuse to run as root)."""

    uid: int | None = None
    gid: int | None = None
    name: str = ""

    @classmethod
    def for_database(cls) -> _Account:
        if os.geteuid() != 0:
            return cls(name=pwd.getpwuid(os.geteuid()).pw_name)
        for name in ("postgres", "nobody"):
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                continue
            return cls(entry.pw_uid, entry.pw_gid, name)
        raise HarnessError("running as root, and neither a postgres nor a nobody user exists")

    def popen_args(self) -> dict[str, Any]:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def own(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)


def pg_bindir() -> Path:
    """Where PostgreSQL's server programs are: ``NEWSREADER_TEST_PG_BIN``, Debian's
    ``/usr/lib/postgresql/N/bin`` (newest N), or next to ``initdb`` on PATH."""
    if explicit := os.environ.get("NEWSREADER_TEST_PG_BIN"):
        bindir = Path(explicit)
    elif candidates := sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    ):
        bindir = candidates[-1].parent
    elif initdb := shutil.which("initdb"):
        bindir = Path(initdb).resolve().parent
    else:
        raise HarnessUnavailableError(
            "PostgreSQL is not installed (apt-get install postgresql): Miniflux needs it"
        )
    for tool in ("initdb", "postgres", "psql", "pg_isready"):
        if not (bindir / tool).exists():
            raise HarnessUnavailableError(f"PostgreSQL's {tool} is missing from {bindir}")
    return bindir


class Postgres:
    """A throwaway PostgreSQL cluster reachable only through a socket in its temp dir."""

    def __init__(self, root: Path, timings: Timings) -> None:
        self.bindir = pg_bindir()
        self.account = _Account.for_database()
        self.root = root
        self.socket_dir = root  # short: a socket path must stay under 108 bytes
        self.data = root / "data"
        self.log = root / "postgres.log"
        self.port = 5432  # only names the socket file: there is no TCP listener
        self.process: subprocess.Popen[bytes] | None = None
        self.account.own(root)
        started = time.monotonic()
        self._initdb()
        timings.initdb = time.monotonic() - started
        started = time.monotonic()
        self._start()
        timings.postgres = time.monotonic() - started

    def _initdb(self) -> None:
        log = self.root / "initdb.log"
        log.touch()
        self.account.own(log)
        command = [
            str(self.bindir / "initdb"),
            "--pgdata",
            str(self.data),
            "--username",
            "postgres",
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ]
        with open(log, "ab") as out:
            done = subprocess.run(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                timeout=STEP_TIMEOUT,
                check=False,
                env=self._env(),
                **self.account.popen_args(),
            )
        if done.returncode != 0:
            raise HarnessError(f"initdb failed as {self.account.name}: {_tail(log)}")

    def _start(self) -> None:
        self.log.touch()
        self.account.own(self.log)
        command = [
            str(self.bindir / "postgres"),
            "-D",
            str(self.data),
            "-k",
            str(self.socket_dir),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=",
            # A throwaway cluster: durability buys nothing and costs seconds per test run.
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=60",
        ]
        out = open(self.log, "ab")  # noqa: SIM115 - the server writes to it until stop()
        try:
            self.process = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                env=self._env(),
                start_new_session=True,
                preexec_fn=_dies_with_us(signal.SIGQUIT),
                **self.account.popen_args(),
            )
        finally:
            out.close()

        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise HarnessError(f"postgres exited at start: {_tail(self.log)}")
            probe = subprocess.run(
                [str(self.bindir / "pg_isready"), "-q", *self._connection()],
                timeout=10,
                check=False,
            )
            return probe.returncode == 0

        wait_until(ready, timeout=STEP_TIMEOUT, what="PostgreSQL to accept connections")

    def _env(self) -> dict[str, str]:
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "TZ": "UTC"}

    def _connection(self) -> list[str]:
        return ["-h", str(self.socket_dir), "-p", str(self.port), "-U", "postgres"]

    def url(self, database: str) -> str:
        """A libpq URL for Miniflux (lib/pq takes the socket directory as ``host``)."""
        return (
            f"postgres:///{database}?host={self.socket_dir}&port={self.port}"
            "&user=postgres&sslmode=disable"
        )

    def sql(self, statements: str, database: str = "postgres") -> str:
        """Run SQL through psql (statements on stdin, never in argv); returns its output."""
        done = subprocess.run(
            [
                str(self.bindir / "psql"),
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                *self._connection(),
                "-d",
                database,
                "-f",
                "-",
            ],
            input=statements.encode("utf-8"),
            capture_output=True,
            timeout=STEP_TIMEOUT,
            check=False,
            env=self._env(),
        )
        if done.returncode != 0:
            raise HarnessError(f"psql failed: {done.stderr.decode('utf-8', 'replace')[:400]}")
        return done.stdout.decode("utf-8", "replace")

    def stop(self) -> None:
        """Fast shutdown (SIGINT), then the hard way if it lingers."""
        _stop(self.process, signal.SIGINT)
        self.process = None


def _stop(process: subprocess.Popen[bytes] | None, first: signal.Signals) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(first)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)


def literal(value: str) -> str:
    """An SQL string literal (standard_conforming_strings is on by default)."""
    if "\0" in value:
        raise ValueError("NUL in an SQL literal")
    return "'" + value.replace("'", "''") + "'"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- Miniflux -----------------------------------------------------------------------


@dataclass
class MinifluxUser:
    """A Miniflux user with the Google Reader API enabled, and REST calls made as them.

    The passwords are test values on a throwaway server, still kept out of ``repr`` so
    that no test output shows them.
    """

    miniflux: Miniflux = field(repr=False)
    id: int
    username: str
    password: str = field(repr=False)
    greader_username: str
    greader_password: str = field(repr=False)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        return self.miniflux.api(method, path, body, auth=(self.username, self.password))

    def create_category(self, title: str) -> int:
        return int(self.api("POST", "/v1/categories", {"title": title})["id"])

    def categories(self) -> list[dict[str, Any]]:
        return list(self.api("GET", "/v1/categories"))

    def add_feed(self, feed_url: str, category_id: int | None = None) -> int:
        """Subscribe (Miniflux fetches the feed at once, synchronously)."""
        body: dict[str, Any] = {"feed_url": feed_url}
        if category_id is not None:
            body["category_id"] = category_id
        return int(self.api("POST", "/v1/feeds", body)["feed_id"])

    def feeds(self) -> list[dict[str, Any]]:
        return list(self.api("GET", "/v1/feeds"))

    def refresh(self, feed_id: int) -> None:
        """Fetch the feed now; the call returns when its entries are stored."""
        self.api("PUT", f"/v1/feeds/{feed_id}/refresh")

    def entries(self, **params: Any) -> list[dict[str, Any]]:
        """Entries, oldest id first (``GET /v1/entries``, filters as keyword arguments)."""
        query = {"order": "id", "direction": "asc", "limit": 1000, **params}
        text = "&".join(f"{k}={v}" for k, v in query.items())
        return list(self.api("GET", f"/v1/entries?{text}")["entries"])

    def entry(self, entry_id: int) -> dict[str, Any]:
        return dict(self.api("GET", f"/v1/entries/{entry_id}"))

    def set_status(self, entry_ids: list[int], status: str) -> None:
        """``read`` or ``unread``, on the server side."""
        self.api("PUT", "/v1/entries", {"entry_ids": entry_ids, "status": status})

    def set_starred(self, entry_ids: list[int], starred: bool) -> None:
        self.api("PUT", "/v1/entries", {"entry_ids": entry_ids, "starred": starred})

    def reset_google_reader_password(self) -> None:
        """Hash the same password anew: Miniflux derives tokens from the hash, so every
        token given so far stops working while a new login still succeeds (an expired
        session, as the client sees it)."""
        self.miniflux.enable_google_reader(self.id, self.greader_username, self.greader_password)


class Miniflux:
    """A running Miniflux and the PostgreSQL under it; see :func:`start`."""

    def __init__(self, binary: Path, root: Path, timings: Timings) -> None:
        self.binary = binary
        self.root = root
        self.timings = timings
        self.log = root / "miniflux.log"
        self.admin = ("admin", Hidden(secrets.token_urlsafe(18)))
        self.process: subprocess.Popen[bytes] | None = None
        self.postgres: Postgres | None = None
        self.port = 0
        self._http: Any = None
        self._users = 0

    @property
    def url(self) -> str:
        """The base URL, which is also where its Google Reader API hangs."""
        return f"http://127.0.0.1:{self.port}/"

    def _start(self) -> None:
        self.postgres = Postgres(self.root, self.timings)
        self.postgres.sql("CREATE DATABASE miniflux")
        # bcrypt for the Google Reader password, as the integrations page stores it.
        self.postgres.sql("CREATE EXTENSION pgcrypto", "miniflux")
        started = time.monotonic()
        for attempt in range(3):
            self.port = _free_port()
            try:
                self._launch()
                break
            except _PortTakenError:
                if attempt == 2:
                    raise HarnessError("Miniflux found its port taken three times") from None
        self.timings.miniflux = time.monotonic() - started

    def _environment(self) -> dict[str, str]:
        nowhere = f"http://127.0.0.1:{_free_port()}"  # nothing listens: a stray fetch fails
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TZ": "UTC",
            "DATABASE_URL": self.postgres.url("miniflux") if self.postgres else "",
            "DATABASE_MAX_CONNS": "20",
            "LISTEN_ADDR": f"127.0.0.1:{self.port}",
            "BASE_URL": self.url,
            "RUN_MIGRATIONS": "1",
            "CREATE_ADMIN": "1",
            "ADMIN_USERNAME": self.admin[0],
            "ADMIN_PASSWORD": self.admin[1],
            # Feeds are fetched when a test asks (REST refresh), never in the background.
            "DISABLE_SCHEDULER_SERVICE": "1",
            "WORKER_POOL_SIZE": "2",
            # The tests' feed server is on 127.0.0.1, which v2.3.5 refuses by default.
            "FETCHER_ALLOW_PRIVATE_NETWORKS": "1",
            "HTTP_CLIENT_TIMEOUT": "10",
            # Entry HTML as the feed wrote it: no image URLs rewritten to a proxy.
            "MEDIA_PROXY_MODE": "none",
            # Any host but loopback (which Go never proxies) goes to a dead port.
            "HTTP_PROXY": nowhere,
            "HTTPS_PROXY": nowhere,
            "LOG_LEVEL": "info",
            "LOG_FORMAT": "text",
        }

    def _launch(self) -> None:
        out = open(self.log, "ab")  # noqa: SIM115 - the server writes to it until stop()
        try:
            self.process = subprocess.Popen(
                [str(self.binary)],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                env=self._environment(),
                start_new_session=True,
                preexec_fn=_dies_with_us(signal.SIGKILL),
            )
        finally:
            out.close()

        def healthy() -> bool:
            if self.process is not None and self.process.poll() is not None:
                tail = _tail(self.log)
                self.process = None
                if "address already in use" in tail:
                    raise _PortTakenError
                raise HarnessError(f"Miniflux exited at start: {tail}")
            try:
                return bool(self.http().get("/healthcheck", timeout=2).status_code == 200)
            except Exception:
                return False

        wait_until(healthy, timeout=STEP_TIMEOUT, what="Miniflux's /healthcheck")

    def http(self) -> Any:
        """A plain httpx client on the server (no proxy from the environment)."""
        import httpx

        if self._http is None:
            self._http = httpx.Client(base_url=self.url, timeout=30, trust_env=False)
        return self._http

    def api(
        self, method: str, path: str, body: Any = None, *, auth: tuple[str, str] | None = None
    ) -> Any:
        """One REST call (``/v1/...``), as the admin unless ``auth`` is given."""
        response = self.http().request(method, path, json=body, auth=auth or self.admin)
        if response.status_code >= 400:
            raise HarnessError(
                f"Miniflux {method} {path.split('?')[0]}: HTTP {response.status_code} "
                f"{response.text[:300]}"
            )
        return response.json() if response.content else None

    def create_user(self, name: str = "reader") -> MinifluxUser:
        """A new user with the Google Reader API enabled under its own credentials."""
        self._users += 1
        username = f"{name}{self._users}-{secrets.token_hex(3)}"
        password = Hidden(secrets.token_urlsafe(15))
        created = self.api("POST", "/v1/users", {"username": username, "password": password})
        user = MinifluxUser(
            miniflux=self,
            id=int(created["id"]),
            username=username,
            password=password,
            greader_username=f"{username}-gr",
            greader_password=Hidden(secrets.token_urlsafe(15)),
        )
        self.enable_google_reader(user.id, user.greader_username, user.greader_password)
        return user

    def enable_google_reader(self, user_id: int, username: str, password: str) -> None:
        """Turn the Google Reader API on for a user (no REST endpoint does it in v2.3.5).

        bcrypt cost 4, the least Go's bcrypt takes: logins stay fast in tests.
        """
        assert self.postgres is not None
        out = self.postgres.sql(
            "UPDATE integrations SET googlereader_enabled = true, "
            f"googlereader_username = {literal(username)}, "
            f"googlereader_password = crypt({literal(password)}, gen_salt('bf', 4)) "
            f"WHERE user_id = {int(user_id)} RETURNING user_id;",
            "miniflux",
        )
        if out.strip() != str(int(user_id)):
            raise HarnessError(f"no integrations row for Miniflux user {user_id}")

    def stop(self) -> None:
        """Stop Miniflux, then PostgreSQL, then remove the temp dir."""
        if self._http is not None:
            self._http.close()
            self._http = None
        _stop(self.process, signal.SIGTERM)
        self.process = None
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None
        shutil.rmtree(self.root, ignore_errors=True)


class _PortTakenError(Exception):
    """Another process took the port between choosing it and Miniflux binding it."""


_PREFIX = "newsreader-mf-"


def _remove_orphans() -> None:
    """Temp dirs of harnesses whose test process died without stopping them (its
    servers died with it): the owner's pid is written in each."""
    for old in Path(tempfile.gettempdir()).glob(_PREFIX + "*"):
        try:
            pid = int((old / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except PermissionError:
            pass  # alive, another user's


def start() -> Miniflux:
    """Build (if needed) and start PostgreSQL and Miniflux; the caller must ``stop()``.

    Raises :class:`HarnessUnavailableError` when Go or PostgreSQL is missing,
    :class:`HarnessError` when something fails on the way.
    """
    timings = Timings()
    pg_bindir()  # a missing PostgreSQL is worth saying before a 45 s build
    binary, timings.build = build_miniflux()
    # Under the system temp dir, not pytest's: its tree is private to us, and the
    # database user must be able to reach its data directory.
    _remove_orphans()
    root = Path(tempfile.mkdtemp(prefix=_PREFIX))
    (root / "owner.pid").write_text(str(os.getpid()))
    miniflux = Miniflux(binary, root, timings)
    try:
        miniflux._start()
    except BaseException:
        miniflux.stop()
        raise
    return miniflux


@contextlib.contextmanager
def running() -> Iterator[Miniflux]:
    """:func:`start` and ``stop()`` around a block."""
    miniflux = start()
    try:
        yield miniflux
    finally:
        miniflux.stop()


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    try:
        if command == "build":
            path, seconds = build_miniflux()
            print(f"aggregator: Miniflux {MINIFLUX_VERSION} at {path} (built in {seconds:.1f} s)")
        elif command == "check":
            with running() as miniflux:
                user = miniflux.create_user()
                print(f"aggregator: Miniflux up at {miniflux.url} ({miniflux.timings}); {user}")
        else:
            print("usage: python -m tests.aggregator [build|check]", file=sys.stderr)
            return 2
    except HarnessUnavailableError as error:
        print(f"aggregator: unavailable: {error}", file=sys.stderr)
        return 3
    except HarnessError as error:
        print(f"aggregator: failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
