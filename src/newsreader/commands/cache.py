"""``newsreader cache path|info|prune|vacuum``: look after the offline cache."""

from __future__ import annotations

import argparse

from newsreader.commands import Context, write

__all__ = ["cmd_cache"]


def _size(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"


def cmd_cache(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.output import Details, emit

    if args.action == "path":
        paths = ctx.paths
        record = {
            "cache": str(paths.db_path),
            "config": str(paths.config_file),
            "data_dir": str(paths.data_dir),
            "config_dir": str(paths.config_dir),
        }
        lines = [("cache", str(paths.db_path)), ("config", str(paths.config_file))]
        emit(Details(record, lines), args.format)
        return 0
    store = ctx.store()
    if args.action == "info":
        info = store.info()
        details: dict[str, object] = {
            "path": str(info.path),
            "size_bytes": info.size_bytes,
            "schema_version": info.schema_version,
            "articles": info.articles,
            "unread": info.unread,
            "starred": info.starred,
            "sources": info.sources,
            "sections": info.sections,
        }
        lines = [
            ("path", str(info.path)),
            ("size", _size(info.size_bytes)),
            ("schema version", str(info.schema_version)),
            ("articles", f"{info.articles} ({info.unread} unread, {info.starred} starred)"),
            ("sources", str(info.sources)),
            ("sections", str(info.sections)),
        ]
        emit(Details(details, lines), args.format)
        return 0
    if args.action == "prune":
        keep = args.keep if args.keep is not None else ctx.config.max_articles
        deleted = store.prune(keep)
        write(
            f"pruned {deleted} article{'s' if deleted != 1 else ''}"
            f" (kept the newest {keep} per source and every starred one)\n"
        )
        return 0
    before, after = store.vacuum()
    write(f"vacuumed: {_size(before)} -> {_size(after)}\n")
    return 0
