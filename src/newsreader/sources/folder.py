"""The folder and file kinds: a local folder of articles and feeds (its subfolders
the sections), or one such file.

Which files to read is decided from the mtime the store remembers; the content hash
then tells a touched file from an edited one. Neither kind needs the network, so
``--offline`` still syncs them.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from newsreader.config import SourceConfig
from newsreader.errors import FetchError, ParseError
from newsreader.models import RawDocument
from newsreader.sources.kind import Collected, SyncRun
from newsreader.sources.limits import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from newsreader.rows import SourceState
    from newsreader.store import ArticleInput

__all__ = [
    "ARTICLE_SUFFIXES",
    "FEED_SUFFIXES",
    "FileKind",
    "FolderFile",
    "FolderKind",
    "read_changed",
    "scan_folder",
]

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


def file_inputs(path: str, section: str | None, mtime: float, body: bytes) -> list[ArticleInput]:
    """The articles of one file (an article, or a feed's entries), filed under its
    subfolder; CPU only, so that it can run in a worker process."""
    from newsreader.content import parse_document
    from newsreader.sources.feed import articles_of
    from newsreader.store import ArticleInput

    raw = RawDocument(body=body, location=path)
    articles = articles_of(parse_document(raw), raw)
    if section:
        articles = [a._replace(section=section) for a in articles]
    return [ArticleInput(a, origin=path, mtime=mtime) for a in articles]


async def _collect(files: list[FolderFile], source: SourceConfig, run: SyncRun) -> Collected:
    from newsreader.store import FetchMeta

    stamps = await run.read(run.store.file_stamps, source.name)
    known = {origin: stamp[1] for origin, stamp in stamps.items()}
    changed = await asyncio.to_thread(lambda: list(read_changed(files, known)))
    inputs: list[ArticleInput] = []
    unreadable = 0
    for file, body in changed:
        try:
            inputs += await run.offload(file_inputs, str(file.path), file.section, file.mtime, body)
        except ParseError:
            unreadable += 1
    warning = f"{unreadable} file(s) could not be read" if unreadable else None
    return Collected(batch=inputs, meta=FetchMeta(), warning=warning)


class FolderKind:
    """Sources with a ``path`` that is a folder."""

    name: ClassVar[str] = "folder"
    needs_network: ClassVar[bool] = False

    def claims(self, source: SourceConfig) -> bool:
        return source.path is not None and Path(source.path).is_dir()

    def location(self, source: SourceConfig) -> str | None:
        return source.path

    def next_request(
        self, source: SourceConfig, state: SourceState | None, run: SyncRun
    ) -> tuple[str, dict[str, str]] | None:
        return None  # no request

    async def collect(
        self, source: SourceConfig, state: SourceState | None, run: SyncRun
    ) -> Collected:
        root = Path(source.path or "")
        files = await asyncio.to_thread(lambda: list(scan_folder(root)))
        return await _collect(files, source, run)


class FileKind:
    """Sources with a ``path`` that is not a folder: one article or feed file."""

    name: ClassVar[str] = "file"
    needs_network: ClassVar[bool] = False

    def claims(self, source: SourceConfig) -> bool:
        return source.path is not None

    def location(self, source: SourceConfig) -> str | None:
        return source.path

    def next_request(
        self, source: SourceConfig, state: SourceState | None, run: SyncRun
    ) -> tuple[str, dict[str, str]] | None:
        return None  # no request

    async def collect(
        self, source: SourceConfig, state: SourceState | None, run: SyncRun
    ) -> Collected:
        return await _collect([single_file(Path(source.path or ""))], source, run)
