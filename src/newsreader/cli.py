"""The ``newsreader`` command: argument parsing and the headless subcommands.

Only the TUI branch imports :mod:`newsreader.tui` (and so Textual); every other
subcommand imports just what it needs, so ``newsreader open`` starts fast. Each
:class:`~newsreader.errors.NewsreaderError` becomes one line on stderr and its exit
code (1 failure, 2 usage); an interrupted run exits 130 without a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from newsreader import __version__
from newsreader.errors import NewsreaderError, UsageError

__all__ = ["main"]

PROG = "newsreader"
_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (the usage is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 < number <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0 and 3600 seconds: {value!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; subcommands set ``handler``."""
    parser = _Parser(
        prog=PROG,
        description="A terminal news reader with an offline cache. "
        "Without a command, opens the reader.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    open_cmd = commands.add_parser(
        "open",
        help="print one article or feed (path, URL or cached id) as Markdown, text or JSON",
        description="Print one document: an HTML page (main content only), a plain-text "
        "or Markdown file, or a feed (RSS, Atom, JSON Feed), from a path or an http(s) URL.",
    )
    open_cmd.add_argument("target", metavar="TARGET", help="a file path or an http(s) URL")
    open_cmd.add_argument(
        "--format",
        "-f",
        choices=("md", "text", "json"),
        default="md",
        help="output format (default: md)",
    )
    open_cmd.add_argument(
        "--timeout",
        type=_positive,
        default=None,
        metavar="S",
        help="give up on a URL after S seconds in all (default: 20)",
    )
    open_cmd.set_defaults(handler=_cmd_open)
    return parser


def _looks_like_url(target: str) -> bool:
    match = _URL_SCHEME.match(target)
    return bool(match) and not os.path.exists(target)


def _cmd_open(args: argparse.Namespace) -> int:
    from newsreader.content import parse_document
    from newsreader.render import render

    target: str = args.target
    if _looks_like_url(target):
        from newsreader.sources.http import DEFAULT_TIMEOUT, check_url, fetch_url

        check_url(target)
        raw = fetch_url(target, timeout=args.timeout or DEFAULT_TIMEOUT)
    else:
        from newsreader.sources.local import read_file

        raw = read_file(target)
    document = parse_document(raw)
    _write(render(document, args.format))
    return 0


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _prepare_streams() -> None:
    """Never crash on a terminal that cannot show a character: replace it instead."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure: Callable[..., None] | None = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"{PROG}: {message}\n")
    sys.stderr.flush()
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    _prepare_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
        if handler is None:
            parser.print_help()
            return 0
        return handler(args)
    except NewsreaderError as error:
        return _fail(f"error: {error}", error.exit_code)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:
        # The reader of our output went away (`newsreader open … | head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except MemoryError:
        return _fail("error: out of memory while reading the document", 1)
    except RecursionError:
        return _fail("error: the document is nested too deeply to read", 1)
