"""Commands that read: ``open``, ``list``, ``sections``, ``search``, and ``mark``."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from newsreader.commands import Context, local_time, warn, write
from newsreader.errors import NotCachedError, StoreError, UsageError

if TYPE_CHECKING:
    from newsreader.models import Comment, Document
    from newsreader.opener import Opened
    from newsreader.rows import ArticleRef, SearchHit
    from newsreader.store import Store

__all__ = ["cmd_list", "cmd_mark", "cmd_open", "cmd_search", "cmd_sections"]


def _stdin_document() -> Document:
    """``open -``: the document on standard input, within the size cap."""
    import sys

    from newsreader.content import parse_document
    from newsreader.errors import TooLargeError
    from newsreader.models import RawDocument
    from newsreader.sources.limits import DEFAULT_MAX_BYTES

    body = sys.stdin.buffer.read(DEFAULT_MAX_BYTES + 1)
    if len(body) > DEFAULT_MAX_BYTES:
        raise TooLargeError(f"standard input is larger than the {DEFAULT_MAX_BYTES} byte limit")
    return parse_document(RawDocument(body=body, location="-"))


def _is_local_file(target: str) -> bool:
    from newsreader.opener import looks_like_url

    return not looks_like_url(target) and os.path.exists(target)


def _show(text: str, fmt: str, plain: bool) -> None:
    """Print a document: on a terminal, Markdown is rendered and paged when longer
    than the screen; in a pipe (or ``--plain``) it is written as it is."""
    import shutil
    import sys

    if plain or fmt != "md" or not sys.stdout.isatty():
        write(text)
        return
    from newsreader.tui.terminal import render_markdown

    size = shutil.get_terminal_size((80, 24))
    rendered = render_markdown(text, size.columns)
    if rendered.count("\n") < size.lines - 1:
        write(rendered)
        return
    _page(rendered)


def _page(text: str) -> None:
    """Through ``$PAGER`` (``less``, keeping colours, by default); written as it is when
    no pager can be started."""
    import shlex
    import subprocess

    pager = shlex.split(os.environ.get("PAGER") or "less")
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")  # colours, and quit at once when it fits after all
    try:
        subprocess.run(pager, input=text.encode("utf-8", "replace"), env=env, check=False)
    except OSError:
        write(text)


def cmd_open(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.opener import open_location
    from newsreader.output import DOCUMENT_FORMATS
    from newsreader.sources.limits import DEFAULT_TIMEOUT

    if args.target == "-":
        _show(DOCUMENT_FORMATS[args.format](_stdin_document()), args.format, args.plain)
        return 0
    store = None
    # A local file is printed, not added to the reading list, unless asked.
    if not _is_local_file(args.target) or args.save:
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
    _show(DOCUMENT_FORMATS[args.format](opened.document, comments), args.format, args.plain)
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


ROW_KEYS = (
    "id",
    "title",
    "url",
    "section",
    "source",
    "author",
    "published",
    "updated",
    "read",
    "starred",
    "updated_since_read",
)
"""The keys of an article row in JSON (``list``, ``search``), in this order, plus
``also``: the other sources that carry the same story."""


def _row_json(row: ArticleRef | SearchHit) -> dict[str, Any]:
    from newsreader.rows import sources_of

    data: dict[str, Any] = {key: getattr(row, key) for key in ROW_KEYS}
    data["also"] = list(sources_of(row.also, row.source))
    return data


def _fold(name: str) -> str:
    import unicodedata

    from newsreader.store.query import fold

    decomposed = unicodedata.normalize("NFKD", fold(name).casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _section(store: Store, wanted: str | None) -> str | None:
    """The section ``wanted`` names, matched as search matches words (case, accents
    and ligatures ignored: ``economie`` is "Économie"); a usage error if none does."""
    if wanted is None:
        return None
    names = [section.name for section in store.sections()]
    if wanted in names:
        return wanted
    folded = _fold(wanted)
    found = [name for name in names if _fold(name) == folded]
    if not found:
        raise UsageError(f"no section named {wanted!r} (see `newsreader sections`)")
    return found[0]


def _source(ctx: Context, store: Store, wanted: str | None) -> str | None:
    """The source ``wanted`` names (case ignored); an unknown one is a usage error."""
    if wanted is None:
        return None
    names = [s.name for s in ctx.config.sources] + [s.name for s in store.sources()]
    found = next((n for n in names if n.casefold() == wanted.casefold()), None)
    if found is None:
        raise UsageError(f"no source named {wanted!r} (see `newsreader sources`)")
    return found


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.output import Field, Listing, emit
    from newsreader.table import Column

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    store = ctx.store()
    rows = store.articles(
        section=_section(store, args.section),
        source=_source(ctx, store, args.source),
        unread=args.unread,
        starred=args.starred,
        limit=args.limit,
    )
    fields: list[Field[ArticleRef]] = [
        Field(Column("ID"), lambda row: row.id),
        Field(Column(""), _flags),
        Field(Column("DATE"), lambda row: local_time(row.published or row.updated)),
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
        SectionCount._asdict,
        fields,
        footer=[["(all)", str(totals.articles), str(totals.unread)]],
        document=lambda records: {"sections": records, "totals": totals._asdict()},
    )
    emit(listing, args.format)
    return 0


def _hit_json(hit: SearchHit) -> dict[str, Any]:
    return {
        **_row_json(hit),
        "snippet": hit.snippet,
        "highlights": [list(span) for span in hit.highlights],
        "rank": hit.rank,
    }


def cmd_search(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.output import Field, Listing, emit
    from newsreader.table import Column

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    import sys

    store = ctx.store()
    query = " ".join(args.query)
    hits = store.search(query, section=_section(store, args.section), limit=args.limit)
    fields: list[Field[SearchHit]] = [
        Field(Column("ID"), lambda h: h.id),
        Field(Column("DATE"), lambda h: local_time(h.published or h.updated)),
        Field(Column("TITLE", flexible=True), lambda h: h.title or "(untitled)"),
        Field(
            Column("MATCH", flexible=True, marked=sys.stdout.isatty()),
            lambda h: h.snippet,
            lambda h: h.highlights,
        ),
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
    from newsreader.commands.setup import emit_report

    method, value = _ACTIONS[args.action]
    changed = getattr(store, method)(ids, value)
    count = len(ids)
    emit_report(
        {"action": args.action, "ids": ids, "changed": changed},
        f"{count} article{'s' if count != 1 else ''} marked {args.action} ({changed} changed)",
        args,
    )
    return 0
