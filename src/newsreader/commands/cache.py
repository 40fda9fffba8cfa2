"""``newsreader cache path|info|prune|vacuum``: look after the offline cache."""

from __future__ import annotations

import argparse

from newsreader.commands import Context, print_json, write

__all__ = ["cmd_cache"]


def _size(count: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"


def cmd_cache(ctx: Context, args: argparse.Namespace) -> int:
    if args.action == "path":
        paths = ctx.paths
        if args.format == "json":
            print_json(
                {
                    "cache": str(paths.db_path),
                    "config": str(paths.config_file),
                    "data_dir": str(paths.data_dir),
                    "config_dir": str(paths.config_dir),
                }
            )
        else:
            write(f"cache   {paths.db_path}\nconfig  {paths.config_file}\n")
        return 0
    store = ctx.store()
    if args.action == "info":
        info = store.info()
        if args.format == "json":
            print_json(
                {
                    "path": str(info.path),
                    "size_bytes": info.size_bytes,
                    "schema_version": info.schema_version,
                    "articles": info.articles,
                    "unread": info.unread,
                    "starred": info.starred,
                    "sources": info.sources,
                    "sections": info.sections,
                }
            )
        else:
            write(
                f"path            {info.path}\n"
                f"size            {_size(info.size_bytes)}\n"
                f"schema version  {info.schema_version}\n"
                f"articles        {info.articles} ({info.unread} unread, {info.starred} starred)\n"
                f"sources         {info.sources}\n"
                f"sections        {info.sections}\n"
            )
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
