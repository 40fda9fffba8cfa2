"""The kinds of source newsreader knows, in the order they are asked to claim one.

Adding a kind: write its module (see :mod:`newsreader.sources.kind`) and add it here.
"""

from __future__ import annotations

from newsreader.config import SourceConfig
from newsreader.errors import UsageError
from newsreader.sources.account import AccountKind
from newsreader.sources.feed import FeedKind
from newsreader.sources.folder import FileKind, FolderKind
from newsreader.sources.kind import SourceKind

__all__ = ["KINDS", "kind_of", "needs_network"]

KINDS: tuple[SourceKind, ...] = (AccountKind(), FeedKind(), FolderKind(), FileKind())
"""Every kind; the first that claims a source is its kind."""


def kind_of(source: SourceConfig) -> SourceKind:
    """The kind of a configured source."""
    for kind in KINDS:
        if kind.claims(source):
            return kind
    raise UsageError(f"source {source.name!r} has neither a url nor a path")


def needs_network(source: SourceConfig) -> bool:
    """Whether syncing the source touches the network (``--offline`` skips it)."""
    return kind_of(source).needs_network
