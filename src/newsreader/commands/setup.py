"""Setting newsreader up: ``config init|check``, ``completion SHELL`` and ``man``.

Shell completion is argcomplete's: the script a shell sources runs ``newsreader`` with
``_ARGCOMPLETE`` set, and :func:`autocomplete` answers from the real parser, so the
subcommands and options never drift from ``--help``; source and section names come
from the config and the cache. The manual page is made from the same parser.
"""

from __future__ import annotations

import argparse
import re
from typing import NoReturn

from newsreader import __version__
from newsreader.commands import Context, write
from newsreader.errors import ConfigError

__all__ = [
    "EXAMPLE_CONFIG",
    "autocomplete",
    "cmd_completion",
    "cmd_config",
    "cmd_man",
    "complete_names",
    "manual_page",
]

EXAMPLE_CONFIG = """\
# newsreader configuration (every setting, with its default; see the README).
# `newsreader add`, `remove` and `import` edit the [[source]] tables and keep your
# comments; `newsreader config check` reads this file as every command does.

[cache]
# max_articles = 2000          # kept per source; starred articles are always kept

[sync]
# concurrency = 16             # requests in flight at once
# per_host = 6                 # ... and to one host
# timeout = 20                 # seconds per request, everything included
# full_text = "auto"           # default for sources: auto | always | never
# full_text_concurrency = 8
# user_agent = "..."           # default: newsreader/VERSION

[reader]
# mark_read_on_open = true
# ticker = true
# theme = "nord"               # any Textual theme

[keymap]                       # binding id = keys (see `?` in the reader)
# quit = "q,ctrl+q"

# One table per source: a feed (url) or a local folder (path).
# [[source]]
# name = "Le Monde"
# url = "https://www.lemonde.fr/rss/une.xml"   # or path = "~/Notes" for a folder
# section = "À la une"         # default: the feed's own title
# full_text = "auto"           # fetch the linked page when an entry is only a summary
# flash = true                 # its headlines feed the ticker
# max_articles = 500
"""
"""What ``config init`` writes: every setting, commented out at its default."""


def cmd_config(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.config import load_config, parse_config
    from newsreader.output import Details, emit

    path = ctx.paths.config_file
    if args.action == "init":
        if path.exists():
            raise ConfigError(f"{path} already exists; not overwritten")
        parse_config(EXAMPLE_CONFIG, path)  # what we write must load
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as stream:  # never over a file made meanwhile
            stream.write(EXAMPLE_CONFIG)
        record: dict[str, object] = {"action": "init", "path": str(path), "sources": 0}
        emit_report(record, f"wrote {path} (every setting commented out at its default)", args)
        return 0
    exists = path.exists()
    config = load_config(path)
    count = len(config.sources)
    record = {"action": "check", "path": str(path), "exists": exists, "sources": count}
    if not exists:
        line = f"{path}: no such file (defaults in use; `newsreader config init` writes one)"
    else:
        line = f"{path}: ok, {count} source{'s' if count != 1 else ''}"
    if args.format == "json":
        emit(Details(record, []), "json")
    else:
        write(line + "\n")
    return 0


def emit_report(record: dict[str, object], line: str, args: argparse.Namespace) -> None:
    """A command's report: its line, or with ``--format json`` the object."""
    if getattr(args, "format", "text") == "json":
        from newsreader.output import json_text

        write(json_text(record))
    else:
        write(line + "\n")


# -- completion ------------------------------------------------------------------------


def complete_names(what: str) -> list[str]:
    """Source or section names for shell completion; nothing rather than an error."""
    from newsreader.errors import NewsreaderError

    ctx = Context()
    try:
        if what == "sources":
            return [source.name for source in ctx.config.sources]
        if not ctx.paths.db_path.exists():
            return []
        return [section.name for section in ctx.store().sections()]
    except NewsreaderError:
        return []
    finally:
        ctx.close()


def autocomplete(parser: argparse.ArgumentParser) -> NoReturn:
    """Answer the shell's completion request and exit (argcomplete's protocol)."""
    import argcomplete

    argcomplete.autocomplete(parser, always_complete_options="long")
    raise SystemExit(0)  # argcomplete exits itself; this is for a request it refused


def cmd_completion(ctx: Context, args: argparse.Namespace) -> int:
    import argcomplete

    from newsreader.cli import PROG

    write(argcomplete.shellcode([PROG], shell=args.shell))  # type: ignore[attr-defined]
    return 0


# -- manual page -----------------------------------------------------------------------


def _roff(text: str) -> str:
    """Text safe in a roff line: backslashes, dashes and leading dots escaped."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text, flags=re.MULTILINE)


def _options(parser: argparse.ArgumentParser) -> list[str]:
    lines: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        if action.help == argparse.SUPPRESS:
            continue
        if action.option_strings:
            names = ", ".join(action.option_strings)
            if action.nargs != 0:
                names += " " + str(action.metavar or action.dest.upper())
        else:
            names = str(action.metavar or action.dest)
        help_text = action.help or ""
        if action.choices and not action.option_strings and action.metavar is None:
            names = "|".join(str(choice) for choice in action.choices)
        lines += [".TP", f"\\fB{_roff(names)}\\fR", _roff(help_text % vars(action))]
    return lines


def manual_page(parser: argparse.ArgumentParser) -> str:
    """newsreader(1) in roff, from the parser's descriptions and option help."""
    prog = parser.prog
    lines = [
        f'.TH {prog.upper()} 1 "" "{prog} {__version__}" "User Commands"',
        ".SH NAME",
        f"{prog} \\- {_roff(parser.description or '')}",
        ".SH SYNOPSIS",
        f".B {prog}",
        "[\\fIOPTIONS\\fR] [\\fICOMMAND\\fR [\\fIARGS\\fR]]",
        ".SH OPTIONS",
        *_options(parser),
        ".SH COMMANDS",
    ]
    subparsers = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    for name, command in subparsers.choices.items():
        usage = " ".join(command.format_usage().removeprefix("usage: ").split())
        lines += [f'.SS "{_roff(name)}"', f".B {_roff(usage)}", ".PP"]
        lines += [_roff(command.description or ""), *_options(command)]
    lines += [
        ".SH EXIT STATUS",
        "0 when everything worked, 1 for a failure (file, network, parse, cache, "
        "config), 2 for a usage error (the command line, an unknown source), "
        "130 when interrupted.",
        ".SH ENVIRONMENT",
        ".TP",
        ".B NEWSREADER_HOME",
        "keep the cache and config.toml in this folder (as \\-\\-data\\-dir).",
        ".TP",
        ".B PAGER",
        "the pager of \\fBopen\\fR on a terminal (default: less).",
        ".SH FILES",
        "config.toml in the user config dir, newsreader.db in the user data dir "
        "(\\fBnewsreader cache path\\fR shows both).",
    ]
    return "\n".join(lines) + "\n"


def cmd_man(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.cli import build_parser

    write(manual_page(build_parser()))
    return 0
