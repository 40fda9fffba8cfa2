"""Helper processes that share no file with the cache and never outlive their parent.

A sync parses feeds in worker processes while its own process fetches and writes.
Two rules keep them harmless to the cache (see :mod:`newsreader.store.db`):

- **Spawned, never forked.** A worker is a fresh interpreter: it inherits no SQLite
  connection and no descriptor of the cache (SQLite opens its files close-on-exec, and
  ``spawn`` passes only the pipes the pool needs), whatever threads the parent runs.
- **It dies with its parent, however the parent dies.** A thread in each worker
  watches its parent's pid; when the parent is gone (SIGKILL included: the worker is
  then re-parented) the worker exits at once. Ctrl-C reaches the whole process group,
  so workers ignore SIGINT and leave the interrupted sync to shut them down.
"""

from __future__ import annotations

import os
import signal
import threading
from concurrent.futures import ProcessPoolExecutor

__all__ = ["PARENT_POLL_SECONDS", "worker_pool"]

PARENT_POLL_SECONDS = 0.1
"""How often a worker checks that its parent is alive: the longest an orphan lives."""


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)  # the parent is gone: nobody will ever read our answers
        threading.Event().wait(PARENT_POLL_SECONDS)


def _start_worker(parent: int) -> None:
    """Initializer of every worker process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()


def worker_pool(workers: int) -> ProcessPoolExecutor | None:
    """A pool of ``workers`` spawned processes (None for 0, or where processes cannot
    be started: the caller then works in-process)."""
    if workers <= 0:
        return None
    import multiprocessing

    try:
        return ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(os.getpid(),),
        )
    except (OSError, ImportError, NotImplementedError):
        return None
