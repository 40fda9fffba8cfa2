"""Commands that read: ``open``, ``list``, ``sections``, ``search``, and ``mark``."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from newsreader.commands import Context, local_time, print_json, warn, write
from newsreader.errors import NotCachedError, StoreError, UsageError

if TYPE_CHECKING:
    from newsreader.rows import ArticleRef

__all__ = ["cmd_list", "cmd_mark", "cmd_open", "cmd_search", "cmd_sections"]


def cmd_open(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.opener import open_location
    from newsreader.render import render
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
    write(render(opened.document, args.format))
    return 0


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
    from newsreader.table import Column, render_table

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    rows = ctx.store().articles(
        section=args.section,
        source=args.source,
        unread=args.unread,
        starred=args.starred,
        limit=args.limit,
    )
    if args.format == "json":
        print_json([_row_json(row) for row in rows])
        return 0
    columns = [
        Column("ID"),
        Column(""),
        Column("DATE"),
        Column("SOURCE", flexible=True),
        Column("TITLE", flexible=True),
    ]
    table = [
        [
            row.id,
            _flags(row),
            local_time(row.published),
            row.source or "",
            row.title or "(untitled)",
        ]
        for row in rows
    ]
    write(render_table(columns, table) if rows else "no articles\n")
    return 0


def cmd_sections(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.table import Column, render_table

    store = ctx.store()
    sections = store.sections()
    totals = store.totals()
    if args.format == "json":
        print_json(
            {
                "sections": [asdict(s) for s in sections],
                "totals": asdict(totals),
            }
        )
        return 0
    rows = [[s.name, str(s.total), str(s.unread)] for s in sections]
    rows.append(["(all)", str(totals.articles), str(totals.unread)])
    columns = [
        Column("SECTION", flexible=True),
        Column("ARTICLES", right=True),
        Column("UNREAD", right=True),
    ]
    write(render_table(columns, rows))
    return 0


def cmd_search(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.table import Column, render_table

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    hits = ctx.store().search(args.query, section=args.section, limit=args.limit)
    if args.format == "json":
        print_json([{k: v for k, v in asdict(h).items() if k not in ("sort_key",)} for h in hits])
        return 0
    if not hits:
        write("no matches\n")
        return 0
    columns = [
        Column("ID"),
        Column("DATE"),
        Column("TITLE", flexible=True),
        Column("MATCH", flexible=True),
    ]
    rows = [[h.id, local_time(h.published), h.title or "(untitled)", h.snippet] for h in hits]
    write(render_table(columns, rows))
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
