"""Commands that read: ``open``, ``list``, ``sections``, ``search``, and ``mark``."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from newsreader.commands import Context, local_time, warn, write
from newsreader.errors import NotCachedError, StoreError, UsageError

if TYPE_CHECKING:
    from newsreader.models import Comment
    from newsreader.opener import Opened
    from newsreader.rows import ArticleRef, SearchHit
    from newsreader.store import Store

__all__ = ["cmd_list", "cmd_mark", "cmd_open", "cmd_search", "cmd_sections"]


def cmd_open(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.opener import open_location
    from newsreader.output import emit_document
    from newsreader.sources.limits import DEFAULT_TIMEOUT

    store = None
    try:
        store = ctx.store()
    except StoreError as error:  # a cache we cannot open must not stop reading a file
        warn(f"warning: cache unavailable ({error}); nothing will be cached")
    opened = open_location(
        args.target,
        store=store,
        offline=ctx.offline,
        timeout=args.timeout or DEFAULT_TIMEOUT,
    )
    if opened.warning:
        warn(f"warning: {opened.warning}")
    comments = None
    if args.comments:
        comments = _comments(ctx, store, opened, args.timeout or DEFAULT_TIMEOUT)
    emit_document(opened.document, args.format, comments)
    return 0


def _comments(
    ctx: Context, store: Store | None, opened: Opened, timeout: float
) -> tuple[Comment, ...]:
    """The comments of the article just opened (``--comments``)."""
    from newsreader.discussion import load_comments
    from newsreader.models import Article

    document = opened.document
    if not isinstance(document, Article):
        raise UsageError("--comments is for articles, not feeds")
    if document.id and store is not None:
        # The cached article knows what its feed announced (its comment feed).
        stored = store.article(document.id)
        if stored is not None:
            document = stored.article._replace(
                comments_feed=document.comments_feed or stored.article.comments_feed,
                comments_page=document.comments_page or stored.article.comments_page,
            )
    discussion = load_comments(
        document, store=store, offline=ctx.offline, timeout=timeout, raw=opened.raw
    )
    if discussion.warning:
        warn(f"warning: {discussion.warning}")
    return discussion.comments


def _flags(row: ArticleRef) -> str:
    return (
        ("●" if not row.read else " ")
        + ("★" if row.starred else " ")
        + ("↻" if row.updated_since_read else " ")
    )


def _row_json(row: ArticleRef) -> dict[str, Any]:
    data = asdict(row)
    data.pop("seq", None)
    data.pop("sort_key", None)
    return data


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.output import Field, Listing, emit
    from newsreader.table import Column

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    rows = ctx.store().articles(
        section=args.section,
        source=args.source,
        unread=args.unread,
        starred=args.starred,
        limit=args.limit,
    )
    fields: list[Field[ArticleRef]] = [
        Field(Column("ID"), lambda row: row.id),
        Field(Column(""), _flags),
        Field(Column("DATE"), lambda row: local_time(row.published)),
        Field(Column("SOURCE", flexible=True), lambda row: row.source or ""),
        Field(Column("TITLE", flexible=True), lambda row: row.title or "(untitled)"),
    ]
    emit(Listing(rows, _row_json, fields, empty="no articles"), args.format)
    return 0


def cmd_sections(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.output import Field, Listing, emit
    from newsreader.rows import SectionCount
    from newsreader.table import Column

    store = ctx.store()
    sections = store.sections()
    totals = store.totals()
    fields: list[Field[SectionCount]] = [
        Field(Column("SECTION", flexible=True), lambda s: s.name),
        Field(Column("ARTICLES", right=True), lambda s: str(s.total)),
        Field(Column("UNREAD", right=True), lambda s: str(s.unread)),
    ]
    listing = Listing(
        sections,
        asdict,
        fields,
        footer=[["(all)", str(totals.articles), str(totals.unread)]],
        document=lambda records: {"sections": records, "totals": asdict(totals)},
    )
    emit(listing, args.format)
    return 0


def _hit_json(hit: SearchHit) -> dict[str, Any]:
    return {k: v for k, v in asdict(hit).items() if k != "sort_key"}


def cmd_search(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.output import Field, Listing, emit
    from newsreader.table import Column

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    hits = ctx.store().search(args.query, section=args.section, limit=args.limit)
    fields: list[Field[SearchHit]] = [
        Field(Column("ID"), lambda h: h.id),
        Field(Column("DATE"), lambda h: local_time(h.published)),
        Field(Column("TITLE", flexible=True), lambda h: h.title or "(untitled)"),
        Field(Column("MATCH", flexible=True), lambda h: h.snippet),
    ]
    emit(Listing(hits, _hit_json, fields, empty="no matches"), args.format)
    return 0


_ACTIONS = {
    "read": ("mark_read", True),
    "unread": ("mark_read", False),
    "star": ("set_starred", True),
    "unstar": ("set_starred", False),
}


def cmd_mark(ctx: Context, args: argparse.Namespace) -> int:
    store = ctx.store()
    ids: list[str] = []
    missing: list[str] = []
    for ref in args.ids:
        full = store.resolve_id(ref)
        (ids if full else missing).append(full or ref)
    if missing:
        raise NotCachedError(f"no cached article with id {', '.join(repr(m) for m in missing)}")
    method, value = _ACTIONS[args.action]
    changed = getattr(store, method)(ids, value)
    count = len(ids)
    write(f"{count} article{'s' if count != 1 else ''} marked {args.action} ({changed} changed)\n")
    return 0
