"""Managing sources: ``add``, ``remove``, ``sources``, ``import`` and ``export``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from newsreader.commands import Context, local_time, warn, write
from newsreader.config import SourceConfig
from newsreader.errors import ConfigError, FetchError, ParseError, UsageError

__all__ = ["cmd_add", "cmd_export", "cmd_import", "cmd_remove", "cmd_sources"]


def _feed_source(url: str, timeout: float) -> tuple[str, str | None]:
    """The feed URL for ``url`` (itself, or the first feed its page announces) and the
    feed's title."""
    from newsreader.content import parse_document
    from newsreader.content.charset import decode
    from newsreader.content.discover import discover_feeds
    from newsreader.models import Feed
    from newsreader.sources.http import check_url, fetch_url

    check_url(url)
    raw = fetch_url(url, timeout=timeout)
    document = parse_document(raw)
    if isinstance(document, Feed):
        return raw.location, document.title
    feeds = discover_feeds(decode(raw.body, raw.charset), raw.location)
    if not feeds:
        raise ParseError(f"no feed found at {url} (the page announces none)")
    for found in feeds:
        try:
            feed_raw = fetch_url(found.url, timeout=timeout)
            feed = parse_document(feed_raw)
        except (FetchError, ParseError):
            continue
        if isinstance(feed, Feed):
            return feed_raw.location, feed.title or found.title
    raise ParseError(f"the feeds announced by {url} could not be read")


def cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.config import add_source
    from newsreader.opener import looks_like_url

    if args.account:
        from newsreader.commands.accounts import add_to_account

        return add_to_account(ctx, args)
    target: str = args.target
    if looks_like_url(target):
        if ctx.offline:
            raise UsageError("cannot add a URL offline: its feed must be found first")
        url, title = _feed_source(target, ctx.config.timeout)
        name = args.name or title or url
        source = SourceConfig(
            name=name, url=url, section=args.section, flash=args.flash, full_text=args.full_text
        )
    else:
        path = Path(target).expanduser()
        if not path.exists():
            raise FetchError(f"no such file or folder: {str(path)!r}")
        path = Path(os.path.abspath(path))
        source = SourceConfig(
            name=args.name or path.stem or str(path),
            path=str(path),
            section=args.section,
            flash=args.flash,
            full_text=args.full_text,
        )
    if any((s.url or s.path) == source.location for s in ctx.config.sources):
        raise ConfigError(f"already subscribed to {source.location}")
    from newsreader.commands.setup import emit_report

    add_source(ctx.config, ctx.paths.config_file, source)
    where = f" in section {source.section!r}" if source.section else ""
    record: dict[str, object] = {
        "name": source.name,
        "url": source.url,
        "path": source.path,
        "section": source.section,
        "flash": source.flash,
        "full_text": ctx.config.full_text_for(source),
    }
    emit_report(
        record,
        f"added {source.name!r} ({source.location}){where}; run `newsreader sync` to fetch it",
        args,
    )
    return 0


def _find_source(ctx: Context, wanted: str) -> SourceConfig:
    """The source named ``wanted`` (case ignored), or at that URL or path; an unknown
    source is a usage error, as in ``sync``."""
    source = ctx.config.source(wanted)
    if source is None:
        path = os.path.abspath(os.path.expanduser(wanted))
        source = next(
            (s for s in ctx.config.sources if s.url == wanted or (s.path and s.path == path)),
            None,
        )
    if source is None:
        raise UsageError(f"no source named {wanted!r} (see `newsreader sources`)")
    return source


def cmd_remove(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.commands.setup import emit_report
    from newsreader.config import remove_source

    if args.account:
        from newsreader.commands.accounts import remove_from_account

        return remove_from_account(ctx, args)
    source = _find_source(ctx, args.name)
    remove_source(ctx.config, ctx.paths.config_file, source.name)
    removed = 0
    if ctx.paths.db_path.exists():
        removed = ctx.store().remove_source(source.name)
    emit_report(
        {"removed": source.name, "location": source.location, "articles_removed": removed},
        f"removed {source.name!r} and {removed} cached article{'s' if removed != 1 else ''}"
        " (starred ones are kept)",
        args,
    )
    return 0


def cmd_sources(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.output import Field, Listing, emit
    from newsreader.rows import SourceState
    from newsreader.sync import active_sources
    from newsreader.table import Column

    sources = active_sources(ctx.config)
    states: dict[str, SourceState] = {}
    if ctx.paths.db_path.exists():
        states = {state.name: state for state in ctx.store().sources()}
    demo = not ctx.config.sources

    def record(s: SourceConfig) -> dict[str, object]:
        state = states.get(s.name)
        return {
            "name": s.name,
            "url": s.url or (s.account.url if s.account else None),
            "path": s.path,
            "account": s.account is not None,
            "section": s.section,
            "flash": s.flash,
            "full_text": ctx.config.full_text_for(s),
            "demo": demo,
            "articles": state.article_count if state else 0,
            "last_success": state.last_success_at if state else None,
            "last_error": state.last_error if state else None,
            "last_error_at": state.last_error_at if state else None,
        }

    def error(s: SourceConfig) -> str:
        state = states.get(s.name)
        return (state.last_error or "") if state and state.error_count else ""

    def success(s: SourceConfig) -> str:
        state = states.get(s.name)
        return local_time(state.last_success_at) if state else "never"

    fields: list[Field[SourceConfig]] = [
        Field(Column("NAME"), lambda s: s.name + (" ⚡" if s.flash else "")),
        Field(Column("SECTION"), lambda s: s.section or ""),
        Field(
            Column("ARTICLES", right=True),
            lambda s: str(states[s.name].article_count) if s.name in states else "0",
        ),
        Field(Column("LAST SUCCESS"), success),
        Field(Column("LAST ERROR", flexible=True), error),
        Field(Column("LOCATION", flexible=True), lambda s: s.location),
    ]
    emit(Listing(sources, record, fields), args.format)
    if demo and args.format == "table":
        warn(
            "no source configured: these are the bundled demo edition's "
            "(add your own with `newsreader add URL`)"
        )
    return 0


def _names(entries: list[str]) -> str:
    shown = ", ".join(entries[:10])
    return shown + (f" and {len(entries) - 10} more" if len(entries) > 10 else "")


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.commands.setup import emit_report
    from newsreader.config import save_sources
    from newsreader.opml import parse_subscriptions
    from newsreader.sources.local import read_file

    found = parse_subscriptions(read_file(args.file).body)
    known_urls = {s.url for s in ctx.config.sources if s.url}
    taken = {s.name.casefold() for s in ctx.config.sources}
    added: list[SourceConfig] = []
    skipped: list[str] = []
    for source in found.sources:
        if source.url in known_urls:
            skipped.append(source.name)
            continue
        name, number = source.name, 2
        while name.casefold() in taken:
            name = f"{source.name} ({number})"
            number += 1
        taken.add(name.casefold())
        known_urls.add(source.url or "")
        added.append(
            SourceConfig(
                name=name,
                url=source.url,
                section=source.section,
                flash=source.flash,
                full_text=source.full_text,
            )
        )
    if added:
        save_sources(ctx.paths.config_file, added=added)
    line = f"imported {len(added)} source{'s' if len(added) != 1 else ''}"
    if skipped:
        line += f", skipped {len(skipped)} already subscribed"
    if found.dropped:
        entries = [f"{d.entry!r} ({d.reason})" for d in found.dropped]
        line += f", dropped {len(entries)}: {_names(entries)}"
    record: dict[str, object] = {
        "imported": [s.name for s in added],
        "skipped": skipped,
        "dropped": [{"entry": d.entry, "reason": d.reason} for d in found.dropped],
    }
    emit_report(record, line, args)
    return 0


def cmd_export(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.opml import export_opml

    sources = [s for s in ctx.config.sources if s.account is None]
    text = export_opml(sources)
    skipped = sum(1 for s in sources if not s.url)
    if args.output:
        from newsreader.config import write_atomically

        target = Path(args.output).expanduser()
        if not target.parent.is_dir():  # never create the user's folders
            raise FetchError(f"no such folder: {str(target.parent)!r}")
        try:
            write_atomically(target, text, create_folder=False)
        except OSError as error:
            raise FetchError(f"cannot write {str(target)!r}: {error.strerror or error}") from None
    else:
        write(text)
    if skipped:
        warn(
            f"{skipped} folder source{'s' if skipped != 1 else ''} left out (OPML lists feeds only)"
        )
    return 0
