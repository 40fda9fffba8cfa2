"""Where newsreader keeps its files: one module decides, lazily.

The cache (``newsreader.db``) lives in the platform's user data dir and the config
(``config.toml``) in its user config dir. Both move together to one folder with the
``NEWSREADER_HOME`` environment variable (tests, portable installs) or the global
``--data-dir`` option, which wins over the variable.

Nothing here touches the disk when imported or when a path is computed: ``newsreader
--help`` must not create a folder. Writers call :func:`ensure_dir` right before they
write.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

__all__ = [
    "APP_NAME",
    "CONFIG_NAME",
    "DB_NAME",
    "HOME_ENV",
    "Paths",
    "config_file",
    "db_path",
    "ensure_dir",
    "file_stamp",
    "resolve",
]

APP_NAME = "newsreader"
HOME_ENV = "NEWSREADER_HOME"
"""Environment variable that moves the data and the config into one folder."""
DB_NAME = "newsreader.db"
CONFIG_NAME = "config.toml"


class Paths(NamedTuple):
    """The two folders newsreader uses, already resolved to absolute paths."""

    data_dir: Path
    """Holds the SQLite cache (and the files set aside next to it)."""
    config_dir: Path
    """Holds ``config.toml``."""

    @property
    def db_path(self) -> Path:
        """The SQLite cache file."""
        return self.data_dir / DB_NAME

    @property
    def config_file(self) -> Path:
        """The TOML configuration file."""
        return self.config_dir / CONFIG_NAME


def _absolute(value: str | os.PathLike[str]) -> Path:
    # expanduser for "~/news" typed in a shell that did not expand it (quoted, or in
    # the environment); absolute so a later chdir cannot move the cache.
    return Path(os.path.abspath(Path(value).expanduser()))


def resolve(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> Paths:
    """The folders to use: ``--data-dir``, else ``NEWSREADER_HOME``, else platformdirs.

    ``data_dir`` is the value of ``--data-dir`` (None when not given); ``environ``
    defaults to :data:`os.environ` and exists so tests need not patch it. An empty
    variable counts as unset.
    """
    env = os.environ if environ is None else environ
    override = data_dir if data_dir not in (None, "") else env.get(HOME_ENV) or None
    if override is not None:
        home = _absolute(override)
        return Paths(data_dir=home, config_dir=home)
    import platformdirs

    return Paths(
        data_dir=_absolute(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config_dir=_absolute(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
    )


def db_path(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The cache file (see :func:`resolve` for the precedence)."""
    return resolve(data_dir).db_path


def config_file(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The config file (see :func:`resolve` for the precedence)."""
    return resolve(data_dir).config_file


def ensure_dir(path: str | os.PathLike[str]) -> Path:
    """Create a folder (and its parents) on first write; private to the user."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def file_stamp(path: str | os.PathLike[str]) -> str | None:
    """What tells a file's versions apart without reading it: its size, modification
    and change times to the nanosecond, inode and device (saving a file changes its
    change time at least). None when there is no such file. Taken before a file is
    read, it can only be older than what was read, never newer."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{info.st_dev}"
