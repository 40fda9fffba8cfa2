"""Where files go: platformdirs by default, NEWSREADER_HOME and --data-dir override,
and nothing is created until something is written."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import platformdirs
import pytest

from newsreader import paths


def test_defaults_come_from_platformdirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.HOME_ENV, raising=False)
    # platformdirs follows the XDG variables: even the defaults stay inside tmp_path.
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    resolved = paths.resolve()
    data = platformdirs.user_data_dir("newsreader", appauthor=False)  # under tmp_path
    config = platformdirs.user_config_dir("newsreader", appauthor=False)  # under tmp_path
    assert resolved.data_dir == Path(data)
    assert resolved.config_dir == Path(config)
    if sys.platform.startswith("linux"):
        assert resolved.data_dir == tmp_path / "data" / "newsreader"
    assert resolved.db_path.name == "newsreader.db"
    assert resolved.config_file.name == "config.toml"


def test_home_variable_moves_data_and_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "home"))
    assert paths.db_path() == tmp_path / "home" / "newsreader.db"
    assert paths.config_file() == tmp_path / "home" / "config.toml"


def test_data_dir_option_wins_over_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path / "env"))
    resolved = paths.resolve(tmp_path / "option")
    assert resolved.data_dir == resolved.config_dir == tmp_path / "option"


def test_relative_and_home_relative_overrides_become_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert paths.resolve("news").data_dir == tmp_path / "news"
    monkeypatch.setenv("HOME", str(tmp_path))
    assert paths.resolve(environ={paths.HOME_ENV: "~/cache"}).data_dir == tmp_path / "cache"


def test_empty_variable_counts_as_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.HOME_ENV, raising=False)
    assert paths.resolve(environ={paths.HOME_ENV: ""}) == paths.resolve()


def test_resolving_creates_nothing(tmp_path: Path) -> None:
    target = tmp_path / "not-yet"
    resolved = paths.resolve(target)
    assert resolved.db_path.parent == target
    assert not target.exists()


def test_ensure_dir_makes_parents(tmp_path: Path) -> None:
    made = paths.ensure_dir(tmp_path / "a" / "b")
    assert made.is_dir()
    assert paths.ensure_dir(made) == made  # a second call is harmless


def test_the_store_creates_its_folder_on_first_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsreader.store import Store

    home = tmp_path / "fresh" / "home"
    monkeypatch.setenv(paths.HOME_ENV, str(home))
    with Store.open() as store:
        assert store.path == home / "newsreader.db"
    assert (home / "newsreader.db").is_file()


def test_import_and_help_touch_no_file(tmp_path: Path) -> None:
    """Importing paths/store, resolving, and ``newsreader --help`` leave the disk alone."""
    fake_home = tmp_path / "user"
    fake_home.mkdir()
    env = {
        **os.environ,
        "HOME": str(fake_home),
        "XDG_DATA_HOME": str(fake_home / "data"),
        "XDG_CONFIG_HOME": str(fake_home / "config"),
    }
    env.pop(paths.HOME_ENV, None)
    code = "import newsreader.paths as p, newsreader.store\nprint(p.resolve().db_path)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == str(fake_home / "data" / "newsreader" / "newsreader.db")
    subprocess.run(
        [sys.executable, "-m", "newsreader", "--help"], env=env, capture_output=True, check=True
    )
    assert list(fake_home.iterdir()) == []
