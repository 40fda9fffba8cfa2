"""Shared fixtures: an isolated data dir for every test, the CLI as a subprocess, a
loopback HTTP server, and a real Miniflux on a real PostgreSQL for the account tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests import aggregator
from tests.server import LoopbackServer

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "fixtures" / "samples"
FIXTURES = ROOT / "tests" / "fixtures"


_USER_DIRS = ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")


def _real_newsreader_dirs() -> dict[str, bool]:
    """Whether the user's real newsreader folders exist (as the environment had them
    before the suite moved it). Only existence: the user may be reading the news
    while the suite runs."""
    import platformdirs

    return {
        folder: os.path.exists(folder)
        for folder in (
            platformdirs.user_data_dir("newsreader", appauthor=False),
            platformdirs.user_config_dir("newsreader", appauthor=False),
        )
    }


@pytest.fixture(autouse=True, scope="session")
def isolated_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The whole session runs with its home, XDG dirs and NEWSREADER_HOME inside its
    temp dir, before any fixture of any scope (module-scoped ones included) or any
    subprocess can resolve a path; resolving one outside the temp dir fails the test,
    and the suite fails if it created the user's real newsreader folders."""
    from newsreader import paths

    real = _real_newsreader_dirs()
    built = aggregator.cache_dir()  # the built Miniflux stays where CI put it
    root = tmp_path_factory.mktemp("session")
    allowed = tmp_path_factory.getbasetemp().resolve()
    with pytest.MonkeyPatch.context() as patch:
        for name in _USER_DIRS:
            patch.setenv(name, str(root / name.lower()))
        patch.setenv(paths.HOME_ENV, str(root / "newsreader-home"))
        patch.setenv("NEWSREADER_TEST_CACHE", str(built))
        plain_resolve = paths.resolve

        def guarded(*args: Any, **kwargs: Any) -> paths.Paths:
            resolved = plain_resolve(*args, **kwargs)
            for folder in resolved:
                if not folder.resolve().is_relative_to(allowed):
                    raise AssertionError(f"a test resolved a folder outside its temp dir: {folder}")
            return resolved

        patch.setattr(paths, "resolve", guarded)
        yield root
    assert _real_newsreader_dirs() == real, "the suite created the real newsreader folders"
    left = _stop_descendants()
    assert not left, f"the suite left processes running (now killed): {left}"


def _stop_descendants() -> list[str]:
    """Kill every process this one started, directly or not, that still runs once the
    session's servers are stopped; their command lines come back. A process that hangs
    must fail the suite, not outlive it (Linux: /proc; elsewhere nothing is checked)."""
    import signal

    from tests.soak import command_line, descendants

    if not sys.platform.startswith("linux"):
        return []
    left = descendants(os.getpid())
    commands = sorted(command_line(pid) for pid in left)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            continue
    return commands


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own NEWSREADER_HOME: nothing touches the real user dirs."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("NEWSREADER_HOME", str(home))
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("https_proxy", raising=False)
    return home


@dataclass
class Run:
    """The outcome of one CLI run."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(*args: str, timeout: float = 60, cwd: Path | None = None) -> Run:
    """Run ``python -m newsreader ARGS`` in a fresh process, like a user would."""
    env = dict(os.environ)
    env["PYTHONIOENCODING"] = "utf-8"
    done = subprocess.run(
        [sys.executable, "-m", "newsreader", *args],
        capture_output=True,
        timeout=timeout,
        env=env,
        cwd=cwd,
        check=False,
    )
    return Run(done.returncode, done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))


@pytest.fixture
def cli() -> Any:
    return run_cli


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    httpd = LoopbackServer()
    yield httpd
    httpd.close()


def _harness_missing(reason: str) -> NoReturn:
    """Outside CI a machine without Go or PostgreSQL skips the account tests; in CI
    (``CI=true``) they must run, so a missing piece is a failure."""
    if aggregator.in_ci():
        pytest.fail(f"the Miniflux harness cannot start in CI: {reason}", pytrace=False)
    pytest.skip(f"Miniflux harness unavailable: {reason}")


@pytest.fixture(scope="session")
def miniflux() -> Iterator[aggregator.Miniflux]:
    """One real Miniflux (and its PostgreSQL) for the whole session, on 127.0.0.1 only;
    tests keep apart by each using their own user (:func:`miniflux_user`)."""
    try:
        harness = aggregator.start()
    except aggregator.HarnessUnavailableError as error:
        _harness_missing(str(error))
    try:
        yield harness
    finally:
        harness.stop()


@pytest.fixture
def miniflux_user(miniflux: aggregator.Miniflux) -> aggregator.MinifluxUser:
    """A fresh Miniflux user with the Google Reader API enabled."""
    return miniflux.create_user()
