"""``newsreader sync``: a progress bar on a terminal, plain lines in a pipe, one summary.

The bar is drawn as soon as the sync starts (0 of N sources), not when the first source
is done; at the end, on a terminal, each failed source gets one line with its reason
before the summary (in a pipe, every source already had its line).
"""

from __future__ import annotations

import argparse
import shutil
import sys

from newsreader import startup
from newsreader.commands import Context, write
from newsreader.errors import UsageError

__all__ = ["cmd_sync"]


class _Progress:
    """Draws sync progress on stderr: a bar redrawn in place on a terminal, one line
    per finished source otherwise (logs and CI)."""

    def __init__(self, total: int) -> None:
        from newsreader.sync import SyncProgress

        self.tty = sys.stderr.isatty()
        self.failures: list[str] = []
        if self.tty:
            self(SyncProgress(total=total, done=0, new=0, updated=0, errors=0))

    def __call__(self, progress: object) -> None:
        from newsreader.sync import SyncProgress

        assert isinstance(progress, SyncProgress)
        last = progress.last
        if last is not None and last.status == "failed":
            self.failures.append(f"failed     {last.name}: {last.error}")
        if self.tty:
            width = shutil.get_terminal_size((80, 24)).columns
            done = progress.done + progress.pages_done
            total = max(1, progress.total + progress.pages_total)
            bar_width = max(10, min(30, width - 60))
            filled = int(bar_width * done / total)
            line = (
                f"[{'#' * filled}{'.' * (bar_width - filled)}] "
                f"{progress.done}/{progress.total} sources · {progress.new} new · "
                f"{progress.updated} updated · {progress.errors} errors"
            )
            if progress.pages_total:
                line += f" · pages {progress.pages_done}/{progress.pages_total}"
            sys.stderr.write("\r" + line[: width - 1].ljust(width - 1))
            sys.stderr.flush()
        elif progress.last is not None:
            result = progress.last
            if result.status == "failed":
                text = f"failed     {result.name}: {result.error}"
            elif result.status == "not_due":
                text = f"not due    {result.name} (until {result.next_fetch_at})"
            elif result.status == "unchanged":
                text = f"unchanged  {result.name}"
            else:
                text = f"synced     {result.name}: {result.new} new, {result.updated} updated"
            sys.stderr.write(text + "\n")
            sys.stderr.flush()

    def close(self) -> None:
        if self.tty:
            width = shutil.get_terminal_size((80, 24)).columns
            sys.stderr.write("\r" + " " * (width - 1) + "\r")
            sys.stderr.write("".join(line + "\n" for line in self.failures))
            sys.stderr.flush()


def cmd_sync(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.sources.head_start import started
    from newsreader.sync import active_sources, default_workers, run_sync

    if ctx.offline:
        raise UsageError("sync needs the network: drop --offline")
    progress = _Progress(len(args.sources) or len(active_sources(ctx.config)))
    try:
        report = run_sync(
            ctx.config,
            ctx.store(),
            names=args.sources or None,
            force=args.force,
            full_text=args.full_text,
            progress=progress,
            parse_workers=default_workers(),
            started=startup.settle_collector,
            head_start=started(),
        )
    finally:
        progress.close()
    if args.format == "json":
        from dataclasses import asdict

        from newsreader.output import json_text

        write(
            json_text(
                {
                    "ok": report.ok,
                    "seconds": round(report.seconds, 3),
                    "new": report.new,
                    "updated": report.updated,
                    "pages_fetched": report.pages_fetched,
                    "pages_failed": report.pages_failed,
                    "sources": [asdict(result) for result in report.results],
                }
            )
        )
    else:
        write(report.summary() + "\n")
    return 0 if report.ok else 1
