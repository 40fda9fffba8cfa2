"""Aggregator accounts: ``account add|login|remove``, and ``add``/``remove`` with
``--account``, which subscribe and unsubscribe on the server itself.

Each logs in the way a sync does (:class:`newsreader.sources.account.Session`): the kept
token, else the password from the account's command or variable; ``account add`` and
``account login`` may also ask for it on the terminal, once. The password is never
written anywhere; the token goes to its 0600 file.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit

from newsreader.commands import Context, write
from newsreader.config import ACCOUNT_KEEP, AccountConfig, SourceConfig
from newsreader.errors import AuthError, ConfigError, UsageError

if TYPE_CHECKING:
    from newsreader.sources.account import Session

__all__ = ["add_to_account", "cmd_account", "remove_from_account"]

T = TypeVar("T")


def _ask_password(ctx: Context, account: AccountConfig, name: str) -> str:
    """The password from the account's command or variable, else typed on the terminal."""
    import getpass

    from newsreader.sources.credentials import password

    if ctx.offline:
        raise UsageError("an account's server cannot be reached with --offline")
    given = password(account, name)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise UsageError(
            f"account {name!r} needs a password: give --password-command or "
            "--password-env, or run this on a terminal to type it"
        )
    try:
        typed = getpass.getpass(f"password for {account.user} at {account.url}: ")
    except EOFError:
        typed = ""
    if not typed:
        raise AuthError("no password given")
    return typed


def _with_session(
    ctx: Context,
    source: SourceConfig,
    work: Callable[[Session], Awaitable[T]],
    *,
    password: str | None = None,
) -> T:
    """Log in to ``source``'s server (with ``password`` when given) and run ``work``."""
    if ctx.offline:
        raise UsageError("an account's server cannot be reached with --offline")

    async def main() -> T:
        from newsreader.sources.account import Session
        from newsreader.sources.http import USER_AGENT, make_client

        config = ctx.config
        http = make_client(
            timeout=config.timeout, max_connections=4, user_agent=config.user_agent or USER_AGENT
        )
        try:
            session = Session(source, ctx.paths.data_dir, http, timeout=config.timeout)
            await session.start(password)
            return await work(session)
        finally:
            await http.close()

    return asyncio.run(main())


def _account(ctx: Context, name: str) -> SourceConfig:
    source = ctx.config.source(name)
    if source is None or source.account is None:
        raise ConfigError(f"no account named {name!r} (see `newsreader sources`)")
    return source


def _add(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.config import add_account

    try:
        host = urlsplit(args.url).hostname
    except ValueError:
        host = None
    name = args.name or host or args.url
    if ctx.config.source(name):
        raise ConfigError(f"a source or account named {name!r} already exists (use --name)")
    account = AccountConfig(
        type=args.type,
        url=args.url,
        user=args.user,
        password_command=args.password_command,
        password_env=args.password_env,
        app_id=args.app_id,
        app_key_command=args.app_key_command,
    )
    source = SourceConfig(name=name, full_text="never", max_articles=ACCOUNT_KEEP, account=account)

    async def check(session: Session) -> str:
        from newsreader.sources.greader import GReaderClient

        info = await session.call(GReaderClient.user_info)
        return info.user_name or account.user

    who = _with_session(ctx, source, check, password=_ask_password(ctx, account, name))
    add_account(ctx.config, ctx.paths.config_file, source)
    write(f"added account {name!r} ({args.url}, as {who}); run `newsreader sync` to fetch it\n")
    return 0


def _login(ctx: Context, args: argparse.Namespace) -> int:
    source = _account(ctx, args.name)
    assert source.account is not None

    async def nothing(session: Session) -> None:
        return None

    _with_session(ctx, source, nothing, password=_ask_password(ctx, source.account, source.name))
    write(f"logged in to account {source.name!r}\n")
    return 0


def _remove(ctx: Context, args: argparse.Namespace) -> int:
    from newsreader.config import remove_account
    from newsreader.sources.credentials import TokenFile

    source = _account(ctx, args.name)
    assert source.account is not None
    remove_account(ctx.config, ctx.paths.config_file, source.name)
    TokenFile(ctx.paths.data_dir, source.name, source.account).delete()
    removed = 0
    if ctx.paths.db_path.exists():
        removed = ctx.store().remove_source(source.name)
    write(
        f"removed account {source.name!r} and {removed} cached article"
        f"{'s' if removed != 1 else ''} (starred ones are kept; the server is untouched)\n"
    )
    return 0


def cmd_account(ctx: Context, args: argparse.Namespace) -> int:
    actions = {"add": _add, "login": _login, "remove": _remove}
    return actions[args.action](ctx, args)


def add_to_account(ctx: Context, args: argparse.Namespace) -> int:
    """``add URL --account NAME``: subscribe on the server (in ``--section`` as its
    folder); the next sync brings the entries."""
    from newsreader.sources.greader import GReaderClient
    from newsreader.sources.http import check_url

    source = _account(ctx, args.account)
    check_url(args.target)

    async def subscribe(session: Session) -> str | None:
        found = await session.call(
            GReaderClient.subscribe, args.target, folder=args.section, title=args.name
        )
        return found.title if found else None

    title = _with_session(ctx, source, subscribe)
    where = f" in folder {args.section!r}" if args.section else ""
    shown = f"{title!r} ({args.target})" if title else args.target
    write(
        f"subscribed to {shown}{where} on account {source.name!r}; "
        "run `newsreader sync` to fetch it\n"
    )
    return 0


def remove_from_account(ctx: Context, args: argparse.Namespace) -> int:
    """``remove NAME --account ACCOUNT``: unsubscribe on the server (NAME is the feed's
    title or URL) and forget its cached articles but the starred ones."""
    from newsreader.sources.greader import GReaderClient, Subscription

    source = _account(ctx, args.account)
    wanted = args.name.casefold()

    async def unsubscribe(session: Session) -> Subscription:
        subscriptions = await session.call(GReaderClient.subscriptions)
        match = next(
            (
                s
                for s in subscriptions
                if wanted in ((s.title or "").casefold(), (s.url or "").casefold(), s.id.casefold())
            ),
            None,
        )
        if match is None:
            raise ConfigError(f"account {source.name!r} has no subscription named {args.name!r}")
        await session.call(GReaderClient.unsubscribe, [match.id])
        return match

    gone = _with_session(ctx, source, unsubscribe)
    removed = 0
    if ctx.paths.db_path.exists():
        removed = ctx.store().remove_account_feed(source.name, gone.id)
    write(
        f"unsubscribed from {gone.title or gone.url or gone.id!r} on account {source.name!r};"
        f" {removed} cached article{'s' if removed != 1 else ''} removed (starred ones are kept)\n"
    )
    return 0
