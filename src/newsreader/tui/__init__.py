"""The terminal reader (Textual). Only this package imports Textual.

``newsreader`` without a subcommand calls :func:`run`; tests build
:class:`newsreader.tui.app.NewsReaderApp` directly with a temp store and a fixed clock.
"""

from __future__ import annotations

import os
from collections.abc import Callable

__all__ = ["run"]


def run(data_dir: str | os.PathLike[str] | None = None, offline: bool = False) -> int:
    """Open the reader on the cache in ``data_dir`` (see :mod:`newsreader.paths`) and
    return the exit code. Raises :class:`~newsreader.errors.NewsreaderError` (config
    or cache trouble) before the screen opens, for the CLI to print."""
    from newsreader.config import load_config
    from newsreader.paths import ensure_dir, resolve
    from newsreader.store import Store

    paths = resolve(data_dir)
    config = load_config(paths.config_file)
    ensure_dir(paths.data_dir)
    notices: list[str] = []
    forward: list[Callable[[str], None]] = []

    def notice(message: str) -> None:
        # Before the app runs, keep the message; once it runs, make it a notification.
        if forward:
            forward[0](message)
        else:
            notices.append(message)

    store = Store.open(paths.db_path, notice=notice)
    try:
        from newsreader.tui.app import NewsReaderApp

        app = NewsReaderApp(config=config, store=store, offline=offline, notices=notices)
        forward.append(app.cache_repaired)
        app.run()
    finally:
        store.close()
    return app.return_code or 0
