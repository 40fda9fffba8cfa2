"""Crash reports: when a bug escapes a command, its traceback goes to a file.

The user gets one line on stderr (see :mod:`newsreader.cli`) that names the file;
the file holds what a bug report needs (versions, the command's name, the
traceback) and nothing private: no arguments, no environment, no local variables,
and URLs in messages lose their user name, password and query string. Reports live
in ``crashes/`` in the data dir; the newest :data:`KEEP` are kept.
"""

from __future__ import annotations

import os
import platform
import re
import traceback
from datetime import UTC, datetime
from pathlib import Path

from newsreader import __version__

__all__ = ["KEEP", "redact", "write_report"]

KEEP = 10
"""Reports kept; older ones are removed when a new one is written."""
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@'\"]*@")
_QUERY = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s?#'\"]*)\?[^\s#'\"]*")
_LINE = 1000


def redact(text: str) -> str:
    """``text`` with what a URL may hide removed: ``https://user:pass@host/p?token=x``
    becomes ``https://host/p?…``; lines cut, control characters gone."""
    from newsreader.content.sanitize import clean_text

    text = _QUERY.sub(r"\1?…", _USERINFO.sub(r"\1", text))
    lines = clean_text(text).split("\n")
    return "\n".join(line if len(line) <= _LINE else line[:_LINE] + "…" for line in lines)


def _report_text(error: BaseException, command: str | None) -> str:
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return (
        f"newsreader {__version__} crash report\n"
        f"when: {datetime.now(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}\n"
        f"python: {platform.python_version()} ({platform.platform(terse=True)})\n"
        f"command: {command or '(the reader)'}\n\n"
        f"{redact(trace)}"
    )


def write_report(
    error: BaseException, *, data_dir: str | None = None, command: str | None = None
) -> Path | None:
    """Write a report for ``error``; its path, or None when it cannot be written
    (a report must never turn one failure into two)."""
    try:
        from newsreader.paths import ensure_dir, resolve

        folder = ensure_dir(resolve(data_dir).data_dir / "crashes")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")  # sorts by time
        path = folder / f"crash-{stamp}-{os.getpid()}.txt"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8", errors="replace") as stream:
            stream.write(_report_text(error, command))
        for old in sorted(folder.glob("crash-*.txt"))[:-KEEP]:
            old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - see the docstring
        return None
    return path
