"""The headless subcommands, one module per family; :mod:`newsreader.cli` parses the
command line and calls them with a :class:`Context`.

Each command returns its exit code and raises :class:`~newsreader.errors.NewsreaderError`
for failures (cli.py turns those into one line on stderr). Nothing here imports
Textual; heavy modules are imported inside the command that needs them.
"""

from __future__ import annotations

import sys
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from newsreader.output import write

if TYPE_CHECKING:
    from newsreader.config import Config
    from newsreader.paths import Paths
    from newsreader.store import Store

__all__ = ["Context", "local_time", "warn", "write"]


class Context:
    """What every command may need, resolved lazily: ``--help`` and ``open FILE`` must
    not pay for a config file or a database they do not use."""

    def __init__(self, data_dir: str | None = None, offline: bool = False) -> None:
        self.data_dir = data_dir
        self.offline = offline
        self._store: Store | None = None

    @cached_property
    def paths(self) -> Paths:
        from newsreader.paths import resolve

        return resolve(self.data_dir)

    @cached_property
    def config(self) -> Config:
        from newsreader.config import load_config

        return load_config(self.paths.config_file)

    def store(self) -> Store:
        """The cache, opened (and created) on first use."""
        if self._store is None:
            from newsreader.store import Store

            self._store = Store.open(self.paths.db_path, notice=warn)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def warn(message: str) -> None:
    """One line on stderr that does not stop the command."""
    sys.stderr.write(f"newsreader: {message}\n")
    sys.stderr.flush()


def local_time(iso: str | None) -> str:
    """An ISO date as the reader's local time, short: ``2025-11-27 13:40``."""
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso[:16]
    if len(iso) <= 10:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")
