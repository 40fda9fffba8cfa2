"""Local folder sources: a folder of articles and feeds, its subfolders the sections.

Only I/O lives here: walking the tree and reading changed files. Which files to read
is decided from the mtime the store remembers; the content hash then tells a touched
file from an edited one.
"""

from __future__ import annotations

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
    mtime: float
    """Modification time (seconds), what the store remembers per file."""


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
            yield FolderFile(path=path, section=section, mtime=stat.st_mtime)


def read_changed(
    files: list[FolderFile], known: Mapping[str, float | None]
) -> Iterator[tuple[FolderFile, bytes]]:
    """``(file, bytes)`` for each file whose mtime differs from what ``known`` (path ->
    mtime) remembers; the store's content hash then tells an edit from a touch."""
    for file in files:
        if known.get(str(file.path)) == file.mtime:
            continue
        try:
            with file.path.open("rb") as stream:
                body = stream.read(DEFAULT_MAX_BYTES + 1)
        except OSError:
            continue
        if len(body) <= DEFAULT_MAX_BYTES:
            yield file, body


def single_file(path: Path) -> FolderFile:
    """A file source (one feed or article file) as a one-file folder."""
    try:
        stat = path.stat()
    except OSError as error:
        raise FetchError(f"cannot read {str(path)!r}: {error.strerror or error}") from None
    if not path.is_file():
        raise FetchError(f"{str(path)!r} is not a file")
    return FolderFile(path=path, section=None, mtime=stat.st_mtime)
