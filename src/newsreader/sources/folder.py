"""Local folder sources: a folder of articles and feeds, its subfolders the sections.

Only I/O lives here: walking the tree and reading changed files. Which files changed
is decided from the (mtime, size) the store remembers; the content hash then tells a
touched file from an edited one.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from newsreader.errors import FetchError
from newsreader.sources.limits import DEFAULT_MAX_BYTES

__all__ = ["ARTICLE_SUFFIXES", "FEED_SUFFIXES", "FolderFile", "read_changed", "scan_folder"]

ARTICLE_SUFFIXES = frozenset({".html", ".htm", ".md", ".markdown", ".txt"})
FEED_SUFFIXES = frozenset({".json", ".xml", ".rss", ".atom", ".rdf"})
MAX_FILES = 20_000
MAX_DEPTH = 8


@dataclass(frozen=True, slots=True)
class FolderFile:
    """One readable file of a folder source."""

    path: Path
    section: str | None
    """The first-level subfolder it sits in (None at the top of the folder)."""
    mtime_ns: int
    size: int


def scan_folder(root: Path) -> Iterator[FolderFile]:
    """Every article or feed file under ``root`` (hidden files and folders skipped)."""
    if not root.is_dir():
        raise FetchError(f"folder source {str(root)!r} is not a folder")
    count = 0
    for folder, subfolders, files in os.walk(root, followlinks=False):
        relative = Path(folder).relative_to(root)
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        if len(relative.parts) >= MAX_DEPTH:
            subfolders[:] = []
        section = relative.parts[0] if relative.parts else None
        for name in sorted(files):
            suffix = Path(name).suffix.lower()
            if name.startswith(".") or suffix not in ARTICLE_SUFFIXES | FEED_SUFFIXES:
                continue
            path = Path(folder, name)
            try:
                stat = path.stat()
            except OSError:
                continue
            count += 1
            if count > MAX_FILES:
                return
            yield FolderFile(
                path=path, section=section, mtime_ns=stat.st_mtime_ns, size=stat.st_size
            )


def read_changed(
    files: list[FolderFile], known: Mapping[str, tuple[int, int]]
) -> Iterator[tuple[FolderFile, bytes, str]]:
    """``(file, bytes, sha256)`` for each file whose (mtime, size) differ from what
    ``known`` (path -> (mtime_ns, size)) remembers; the caller compares the hash."""
    for file in files:
        if known.get(str(file.path)) == (file.mtime_ns, file.size):
            continue
        try:
            with file.path.open("rb") as stream:
                body = stream.read(DEFAULT_MAX_BYTES + 1)
        except OSError:
            continue
        if len(body) > DEFAULT_MAX_BYTES:
            continue
        yield file, body, hashlib.sha256(body).hexdigest()
