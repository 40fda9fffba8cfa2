"""Syncing from the reader: starting a sync, its progress, its end, the status line.

A sync is the one long thing the reader runs, and the one that changes what every
other part shows, so it lives apart: whether a sync may start (one at a time, not on
a read-only cache, only local sources with ``--offline``), the one call to
:func:`newsreader.sync.run_sync`, progress and failures on the status line, and a
throttled :class:`SyncConcern.CacheChanged` up to the screen so the lists, the counts
and the ticker are read again while articles arrive, at most every
:data:`SYNC_REFRESH_SECONDS`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.message import Message

from newsreader.tui.messages import SyncFinished, SyncProgressed
from newsreader.tui.screens.main.concern import Concern
from newsreader.tui.text import local_time, one_line
from newsreader.tui.widgets.status import StatusLine

if TYPE_CHECKING:
    from newsreader.rows import SourceState
    from newsreader.store import Store
    from newsreader.sync import SyncReport

__all__ = ["GROUP", "SYNC_REFRESH_SECONDS", "SyncConcern", "last_success"]

SYNC_REFRESH_SECONDS = 0.5
"""During a sync, the lists are re-read at most this often."""
GROUP = "sync"
"""The sync worker's group (the screen's failure handler looks for it)."""


def last_success(store: Store) -> str | None:
    """When a source was last synced successfully (worker threads only)."""
    return max((s.last_success_at for s in store.sources() if s.last_success_at), default=None)


class SyncConcern(Concern):
    """Runs syncs in a worker and shows how they go on the status line."""

    class CacheChanged(Message):
        """A sync wrote articles: the lists, the counts and the ticker are stale."""

    def __init__(self, *, status: StatusLine) -> None:
        super().__init__()
        self.status = status
        """The status line, where progress, the last sync and failures show."""
        self.running = False
        """A sync worker is running."""
        self._manual = False
        self._refresh_pending = False
        self._last_new = 0

    def sync_source(self, source: str | None) -> None:
        """Sync the configured source named ``source`` (the current article's)."""
        from newsreader.sync import active_sources

        names = {s.name.casefold(): s.name for s in active_sources(self.reader.config)}
        if not source or source.casefold() not in names:
            self.notify(
                "This article does not come from a configured source; R syncs them all.",
                timeout=4,
            )
            return
        self.start((names[source.casefold()],))

    def start(self, names: tuple[str, ...] | None, *, manual: bool = True) -> None:
        """Sync ``names`` (all sources when None) in a worker; --offline keeps to local
        folders and files. ``manual``: the reader asked (say why nothing happens)."""
        from newsreader.sources.registry import needs_network
        from newsreader.sync import active_sources

        reader = self.reader
        if self.running:
            if manual:
                self.notify("A sync is already running.", timeout=3)
            return
        if self.store.read_only:
            if manual:
                self.notify("The cache is read-only: nothing can be synced.", severity="warning")
            return
        if reader.offline:
            local = [s.name for s in active_sources(reader.config) if not needs_network(s)]
            chosen = [n for n in (names or local) if n in local]
            if not chosen:
                if manual:
                    self.notify("Offline (--offline): not syncing.", severity="warning")
                return
            names = tuple(chosen)
        self.running = True
        self._manual = manual
        self._last_new = 0
        self.status.progress = "syncing…"
        self.status.error = ""
        self._sync(names)

    @work(thread=True, group=GROUP, exit_on_error=False, description="Sync")
    def _sync(self, names: tuple[str, ...] | None) -> None:
        from newsreader.sync import default_workers, run_sync

        report: SyncReport | None = None
        try:
            report = run_sync(
                self.reader.config,
                self.store,
                names=names,
                progress=lambda progress: self.post_message(SyncProgressed(progress)),
                parse_workers=default_workers(),
            )
        finally:
            self.post_message(SyncFinished(report, names or ()))

    @on(SyncProgressed)
    def _sync_progressed(self, event: SyncProgressed) -> None:
        progress = event.progress
        text = f"syncing {progress.done}/{progress.total}"
        if progress.new:
            text += f" · {progress.new} new"
        if progress.pages_total:
            text += f" · pages {progress.pages_done}/{progress.pages_total}"
        self.status.progress = text
        if progress.new + progress.updated > self._last_new:
            self._last_new = progress.new + progress.updated
            self._schedule_refresh()

    def _schedule_refresh(self) -> None:
        if not self._refresh_pending:
            self._refresh_pending = True
            self.set_timer(SYNC_REFRESH_SECONDS, self._refresh_after_sync)

    def _refresh_after_sync(self) -> None:
        self._refresh_pending = False
        self.post_message(self.CacheChanged())

    @on(SyncFinished)
    def _sync_finished(self, event: SyncFinished) -> None:
        self.running = False
        self.status.progress = ""
        report = event.report
        if report is None:
            return  # the worker's error handler has said what went wrong
        failed = report.failed
        tried = [r for r in report.results if r.status != "not_due"]
        if len(failed) < len(tried) or not tried:
            # "synced" is said of a sync that reached something, never of one that failed.
            self.status.last_sync = self._when(self.reader.clock.now().isoformat())
        self.status.offline = self.reader.offline
        if failed:
            first = failed[0]
            more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
            sources = f"{len(failed)} of {len(tried)} source{'' if len(tried) == 1 else 's'}"
            if len(failed) == len(tried):
                self.status.error = f"sync failed: {sources} · E: why"
            else:
                self.status.error = f"{sources} failed · E: why"
            self.notify(
                one_line(f"Sync: {first.name}: {first.error or 'failed'}{more}. E lists them."),
                title="Sync failed",
                severity="error",
                timeout=10,
                markup=False,
            )
        else:
            self.status.error = ""
            if self._manual:
                self.notify(one_line(f"Sync: {report.summary()}"), markup=False, timeout=4)
        self._refresh_after_sync()

    # -- the failures ---------------------------------------------------------------------

    def show_failures(self) -> None:
        """Open the list of the sources whose last sync failed (``E``)."""
        self._read_failures()

    @work(
        thread=True,
        exclusive=True,
        group="failures",
        exit_on_error=False,
        description="Reading the sync failures",
    )
    def _read_failures(self) -> None:
        failing = [s for s in self.store.sources() if s.error_count and s.last_error]
        self.deliver(self._failures_read, failing)

    def _failures_read(self, failing: list[SourceState]) -> None:
        from newsreader.tui.screens.failures import Failure, FailuresScreen

        failures = [
            Failure(s.name, s.last_error or "", local_time(s.last_error_at, self.reader.clock))
            for s in failing
        ]
        self.app.push_screen(FailuresScreen(failures))

    def failed(self, message: str) -> None:
        """The sync worker raised (the screen has notified ``message``)."""
        self.running = False
        self.status.progress = ""
        self.status.error = "sync failed: " + one_line(message)[:120]

    def show_last_sync(self, instant: str | None) -> None:
        self.status.last_sync = self._when(instant)

    def _when(self, instant: str | None) -> str:
        return local_time(instant, self.reader.clock)
