"""The ``newsreader`` command: argument parsing, dispatch, and the error contract.

Without a command it opens the reader (the only branch that imports
:mod:`newsreader.tui`, and so Textual). Every subcommand lives in
:mod:`newsreader.commands` and imports just what it needs, so ``newsreader open``
starts fast. Each :class:`~newsreader.errors.NewsreaderError` becomes one line on
stderr and its exit code (1 failure, 2 usage); an interrupted run exits 130 without a
traceback. Any other exception is a bug, and still one line (exit 1): its traceback
goes to a crash report in the data dir (see :mod:`newsreader.crash`), which the line
names.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from newsreader import __version__, startup
from newsreader.errors import NewsreaderError, UsageError

if TYPE_CHECKING:
    from newsreader.commands import Context

__all__ = ["build_parser", "main"]

PROG = "newsreader"
Handler = Callable[["Context", argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (the usage is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if not 0 < number <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0 and 3600 seconds: {value!r}")
    return number


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {value!r}")
    return number


def _lazy(module: str, function: str) -> Handler:
    """A handler that imports its command module only when it runs."""

    def run(ctx: Context, args: argparse.Namespace) -> int:
        from importlib import import_module

        handler: Handler = getattr(import_module(f"newsreader.commands.{module}"), function)
        return handler(ctx, args)

    return run


def _format(parser: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    """``--format``, its choices taken from a format table (the first is the default)."""
    parser.add_argument(
        "--format",
        "-f",
        choices=tuple(formats),
        default=formats[0],
        help=f"output format (default: {formats[0]})",
    )


def _table_format(parser: argparse.ArgumentParser) -> None:
    from newsreader.output import LIST_FORMATS

    _format(parser, list(LIST_FORMATS))


def _open_options(cmd: argparse.ArgumentParser) -> None:
    cmd.description = (
        "Print one document: an HTML page (main content only), a plain-text or Markdown "
        "file, a feed (RSS, Atom, JSON Feed), or a cached article by id. Articles read "
        "from a URL are cached; local files only with --save. On a terminal, Markdown "
        "is rendered (through $PAGER when longer than the screen); in a pipe, or with "
        "--plain, it is printed as it is."
    )
    cmd.add_argument(
        "target",
        metavar="TARGET",
        help="a file path, an http(s) URL, a cached id, or - for standard input",
    )
    from newsreader.output import DOCUMENT_FORMATS

    _format(cmd, list(DOCUMENT_FORMATS))
    cmd.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="S",
        help="give up on a URL after S seconds in all (default: 20)",
    )
    cmd.add_argument(
        "--offline", action="store_true", default=argparse.SUPPRESS, help="read the cache only"
    )
    cmd.add_argument(
        "--save", action="store_true", help="add a local file to the cache (URLs always are)"
    )
    cmd.add_argument(
        "--plain", action="store_true", help="never render or page: print the text as it is"
    )
    cmd.add_argument(
        "--comments",
        action="store_true",
        help="print the article's comments after it (fetched from its comment feed or "
        "page, and cached; --offline prints the cached ones)",
    )
    cmd.set_defaults(handler=_lazy("read", "cmd_open"))


def _section_option(cmd: argparse.ArgumentParser) -> None:
    _complete(
        cmd.add_argument("--section", "-s", help="only this section (case and accents ignored)"),
        "sections",
    )


def _list_options(cmd: argparse.ArgumentParser) -> None:
    _section_option(cmd)
    _complete(cmd.add_argument("--source", help="only this source (its name)"), "sources")
    cmd.add_argument("--unread", action="store_true", help="only unread articles")
    cmd.add_argument("--starred", action="store_true", help="only starred articles")
    cmd.add_argument("--limit", "-n", type=_count, default=50, help="at most N rows (default 50)")
    _table_format(cmd)
    cmd.set_defaults(handler=_lazy("read", "cmd_list"))


def _sections_options(cmd: argparse.ArgumentParser) -> None:
    _table_format(cmd)
    cmd.set_defaults(handler=_lazy("read", "cmd_sections"))


def _search_options(cmd: argparse.ArgumentParser) -> None:
    cmd.description = (
        "Full-text search of the cache, best first: matches in titles, then in ledes, "
        "then in bodies. Case, accents and ligatures are ignored (oeufs finds œufs, "
        "strasse finds Straße). Every word must match; the last word also matches as "
        "the start of a word (crep finds crêpes) unless the query ends with a space; "
        'word* asks for a prefix anywhere; "two words" is a phrase; -word or '
        '-"a phrase" leaves out the articles that contain it (quote the whole query, or '
        "put -- before it, when a word starts with -)."
    )
    cmd.add_argument(
        "query", nargs="+", metavar="QUERY", help='words, "phrases", prefix*, -excluded'
    )
    _section_option(cmd)
    cmd.add_argument(
        "--limit", "-n", type=_count, default=20, help="at most N results (default 20)"
    )
    _table_format(cmd)
    cmd.set_defaults(handler=_lazy("read", "cmd_search"))


def _mark_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("action", choices=("read", "unread", "star", "unstar"))
    cmd.add_argument("ids", nargs="+", metavar="ID", help="article ids (or 6+ character prefixes)")
    _report_format(cmd)
    cmd.set_defaults(handler=_lazy("read", "cmd_mark"))


def _sync_options(cmd: argparse.ArgumentParser) -> None:
    _complete(
        cmd.add_argument(
            "sources", nargs="*", metavar="SOURCE", help="source names (default: every source)"
        ),
        "sources",
    )
    cmd.add_argument(
        "--full-text",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="fetch the linked page of entries that carry only a summary "
        "(default: each source's full_text setting)",
    )
    cmd.add_argument(
        "--force",
        action="store_true",
        help="fetch even sources that asked to be left alone for now",
    )
    _report_format(cmd)
    cmd.set_defaults(handler=_lazy("syncing", "cmd_sync"))


def _add_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("target", metavar="URL|PATH", help="a feed, a site or a local folder")
    _complete(
        cmd.add_argument(
            "--section",
            "-s",
            help="section for its articles (default: the feed's own; for a folder, its "
            "subfolders become sections under this one, e.g. Notes/Voyages)",
        ),
        "sections",
    )
    cmd.add_argument("--name", help="name of the source (default: the feed's title)")
    cmd.add_argument(
        "--flash", action="store_true", help="its headlines feed the flash-info ticker"
    )
    cmd.add_argument(
        "--full-text",
        choices=("auto", "always", "never"),
        default=None,
        help="fetch linked pages: auto (when entries are only summaries), always, never",
    )
    cmd.add_argument(
        "--account",
        metavar="NAME",
        help="subscribe on this aggregator account's server (--section is its folder)",
    )
    _report_format(cmd)
    cmd.set_defaults(handler=_lazy("subscriptions", "cmd_add"))


def _remove_options(cmd: argparse.ArgumentParser) -> None:
    _complete(
        cmd.add_argument("name", metavar="NAME|URL|PATH", help="the source's name or location"),
        "sources",
    )
    cmd.add_argument(
        "--account",
        metavar="ACCOUNT",
        help="unsubscribe on this aggregator account's server (NAME: the feed's title or URL)",
    )
    _report_format(cmd)
    cmd.set_defaults(handler=_lazy("subscriptions", "cmd_remove"))


def _account_options(cmd: argparse.ArgumentParser) -> None:
    actions = cmd.add_subparsers(
        title="actions", metavar="ACTION", dest="action", required=True, parser_class=_Parser
    )
    add = actions.add_parser("add", help="log in to an aggregator and add it as an account")
    add.add_argument("type", choices=("greader",), help="the API: greader (Google Reader API)")
    add.add_argument("url", metavar="URL", help="where the API lives (see the README per server)")
    add.add_argument("--user", required=True, help="the user name on the server")
    add.add_argument("--name", help="name of the account (default: the server's host)")
    secret = add.add_mutually_exclusive_group()
    secret.add_argument(
        "--password-command",
        metavar="CMD",
        help="a command that prints the password (e.g. 'pass show miniflux')",
    )
    secret.add_argument(
        "--password-env", metavar="VAR", help="an environment variable holding the password"
    )
    add.add_argument("--app-id", help="Inoreader: the registered app's id")
    add.add_argument(
        "--app-key-command", metavar="CMD", help="Inoreader: a command that prints the app key"
    )
    login = actions.add_parser("login", help="log in again (asks for the password if needed)")
    login.add_argument("name", metavar="NAME")
    remove = actions.add_parser("remove", help="forget an account (the server is untouched)")
    remove.add_argument("name", metavar="NAME")
    cmd.set_defaults(handler=_lazy("accounts", "cmd_account"))


def _sources_options(cmd: argparse.ArgumentParser) -> None:
    _table_format(cmd)
    cmd.set_defaults(handler=_lazy("subscriptions", "cmd_sources"))


def _import_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("file", metavar="FILE", help="an OPML file or a newsboat urls file")
    _report_format(cmd)
    cmd.set_defaults(handler=_lazy("subscriptions", "cmd_import"))


def _export_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write to FILE instead of stdout (its folder must exist)",
    )
    cmd.set_defaults(handler=_lazy("subscriptions", "cmd_export"))


def _cache_options(cmd: argparse.ArgumentParser) -> None:
    cmd.add_argument("action", choices=("path", "info", "prune", "vacuum"))
    cmd.add_argument(
        "--keep",
        type=_count,
        default=None,
        help="prune: articles kept per source (default: config max_articles)",
    )
    _table_format(cmd)
    cmd.set_defaults(handler=_lazy("cache", "cmd_cache"))


def _config_options(cmd: argparse.ArgumentParser) -> None:
    cmd.description = (
        "init writes a commented example config.toml where newsreader reads it (never "
        "over an existing file); check reads it as every command does and says where it is."
    )
    cmd.add_argument("action", choices=("init", "check"))
    _report_format(cmd)
    cmd.set_defaults(handler=_lazy("setup", "cmd_config"))


def _completion_options(cmd: argparse.ArgumentParser) -> None:
    cmd.description = (
        "Print the completion script for SHELL (subcommands, options, source and section "
        'names). bash: eval "$(newsreader completion bash)" in ~/.bashrc; zsh: the same '
        "in ~/.zshrc; fish: newsreader completion fish > "
        "~/.config/fish/completions/newsreader.fish"
    )
    cmd.add_argument("shell", choices=("bash", "zsh", "fish"), metavar="SHELL")
    cmd.set_defaults(handler=_lazy("setup", "cmd_completion"))


def _man_options(cmd: argparse.ArgumentParser) -> None:
    cmd.description = (
        "Print the manual page, made from these --help texts (man -l <(newsreader man))."
    )
    cmd.set_defaults(handler=_lazy("setup", "cmd_man"))


def _report_format(parser: argparse.ArgumentParser) -> None:
    """``--format text|json`` of the commands that report what they did."""
    _format(parser, ["text", "json"])


def _complete(action: argparse.Action, what: str) -> None:
    """Complete this argument with the names of the user's ``what`` (shell completion
    runs the parser with argcomplete, which reads ``completer``)."""

    def names(**_: object) -> list[str]:
        from newsreader.commands.setup import complete_names

        return complete_names(what)

    action.completer = names  # type: ignore[attr-defined]


_SUBCOMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "open": (
        "print one article or feed (path, URL or cached id) as Markdown, text or JSON",
        _open_options,
    ),
    "list": ("list cached articles, newest first (undated ones last)", _list_options),
    "sections": ("sections with article and unread counts", _sections_options),
    "search": (
        "full-text search, titles first (case, accents, ligatures ignored; "
        "the last word matches as a prefix)",
        _search_options,
    ),
    "mark": ("mark articles read, unread, starred or unstarred", _mark_options),
    "sync": ("fetch every source (or the named ones) into the cache", _sync_options),
    "add": ("subscribe to a feed, a site (feed autodiscovery) or a folder", _add_options),
    "remove": (
        "unsubscribe, by name, URL or path (cached starred articles are kept)",
        _remove_options,
    ),
    "account": (
        "aggregator accounts (Miniflux, FreshRSS...): add, login, remove",
        _account_options,
    ),
    "sources": ("the sources, with last success and last error", _sources_options),
    "import": (
        "subscribe to the feeds of an OPML file or a newsboat urls file",
        _import_options,
    ),
    "export": ("print the subscriptions as OPML 2.0", _export_options),
    "cache": ("where the cache is, its size, pruning and vacuuming", _cache_options),
    "config": ("write an example config.toml, or check the one in use", _config_options),
    "completion": ("print a shell completion script (bash, zsh, fish)", _completion_options),
    "man": ("print the manual page", _man_options),
}
"""Each subcommand: its one-line help and the function that adds its options."""


def _sentence(summary: str) -> str:
    """A one-line help as the description line of its command's ``--help``."""
    return summary[0].upper() + summary[1:] + "."


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; subcommands set ``handler``.

    With ``only`` (a known subcommand), that one alone is built: argparse takes a
    millisecond or two per subcommand (each is a parser of its own, with translated
    messages), which ``newsreader open`` in a shell loop should not pay for eleven
    commands it does not run. ``--help`` and unknown commands get the full parser.
    """
    parser = _Parser(
        prog=PROG,
        description="A terminal news reader with an offline cache. "
        "Without a command, opens the reader.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep the cache and config.toml in DIR "
        "(default: the user data and config dirs; also NEWSREADER_HOME)",
    )
    parser.add_argument(
        "--offline", action="store_true", help="never touch the network: read the cache only"
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    for name, (summary, add_options) in _SUBCOMMANDS.items():
        if only is None or name == only:
            add_options(commands.add_parser(name, help=summary, description=_sentence(summary)))
    return parser


def _command_of(args: list[str]) -> str | None:
    """The subcommand named on the command line, skipping global options."""
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif len(arg) > 2 and "--data-dir".startswith(arg):  # argparse takes "--data" too
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


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


def _bug(ctx: Context, error: BaseException, command: str | None) -> str:
    """`` (details in FILE)`` for a bug's crash report, or nothing if none was written."""
    from newsreader.crash import write_report

    report = write_report(error, data_dir=ctx.data_dir, command=command)
    return f" (details in {report})" if report else ""


_CONFIG_UNUSED = frozenset({"config", "completion", "man"})
"""Commands that do not read config.toml (``config check`` reports on it itself)."""
_CONFIG_OPTIONAL = frozenset({"cache"})
"""Commands that can do without it: a broken config.toml is a warning line."""


def _check_config(ctx: Context, command: str | None) -> None:
    """Read config.toml before a command that uses it, so that a broken file fails
    every such command the same way (not only the next sync)."""
    if command in _CONFIG_UNUSED:
        return
    try:
        ctx.config  # noqa: B018 - reads and checks the file
    except NewsreaderError as error:
        if command not in _CONFIG_OPTIONAL:
            raise
        from newsreader.commands import warn

        warn(f"warning: {error} (ignored by this command)")


def _run_reader(ctx: Context) -> int:
    from newsreader.tui import run

    code: int = run(data_dir=ctx.data_dir, offline=ctx.offline)
    return code


_LONG_RUNNING = frozenset({"sync"})
"""Commands that churn through many documents: their start-up is tuned like a one-shot
command's, then they go back to the garbage collector's defaults when their work
starts (:func:`~newsreader.startup.settle_collector`); the reader keeps the defaults
(see :mod:`newsreader.startup`)."""


def entry() -> NoReturn:
    """The console script and ``python -m newsreader``: :func:`main`, then the process
    ends at once (:func:`~newsreader.startup.exit_now`)."""
    startup.exit_now(main())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code. Meant to be the whole life of the
    process (a one-shot command leaves the collector tuned for exiting)."""
    from newsreader.commands import Context

    _prepare_streams()
    if "_ARGCOMPLETE" in os.environ:  # a shell asks for completions (see `completion`)
        from newsreader.commands.setup import autocomplete

        autocomplete(build_parser())
    args_list = list(sys.argv[1:] if argv is None else argv)
    command = _command_of(args_list)
    one_shot = command is not None and command not in _LONG_RUNNING
    if command is not None:
        startup.tune_collector()  # a long-running command settles it when its work starts
    wants_help = any(a in ("-h", "--help") for a in args_list)
    parser = build_parser(None if wants_help or command not in _SUBCOMMANDS else command)
    ctx = Context()
    try:
        args = parser.parse_args(args_list)
        ctx = Context(data_dir=args.data_dir, offline=args.offline)
        handler: Handler | None = getattr(args, "handler", None)
        if handler is None:
            return _run_reader(ctx)
        _check_config(ctx, command)
        return handler(ctx, args)
    except NewsreaderError as error:
        cause = error.__cause__
        details = ""
        if isinstance(cause, Exception) and not isinstance(cause, NewsreaderError):
            details = _bug(ctx, cause, command)  # a parser bug, stopped by the content layer
        return _fail(f"error: {error}{details}", error.exit_code)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:
        # The reader of our output went away (`newsreader list | head`): not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except MemoryError:
        return _fail("error: out of memory while reading the document", 1)
    except RecursionError:
        return _fail("error: the document is nested too deeply to read", 1)
    except Exception as error:  # noqa: BLE001 - a bug: one line all the same, and a report
        name = type(error).__name__
        return _fail(f"error: internal error ({name}), a bug{_bug(ctx, error, command)}", 1)
    finally:
        ctx.close()
        if one_shot:
            startup.freeze_collector()
