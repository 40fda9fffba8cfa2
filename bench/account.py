"""An aggregator account at scale: newsreader against a real Miniflux, with newsboat's
Miniflux mode as the peer.

The harness of the tests (tests/aggregator.py) starts Miniflux and PostgreSQL on
loopback; one SQL statement then gives a user ``--feeds`` subscriptions in 10 folders
and ``--entries`` unread entries (about 1.5 KB of HTML each, a few starred), which takes
seconds where feeding them through a feed server would take an hour. Then, for each
reader:

- first sync: an empty cache fetches every unread entry with its content;
- no-change re-sync: the same cache again, nothing changed on the server.

Each figure is wall time, CPU seconds (user + system, worker processes included) and
the peak memory of the whole process tree as PSS (see bench/sync.py). A smaller run at
a tenth of the entries shows how memory grows with the account.

    python bench/account.py [--feeds 500] [--entries 100000] [--no-peer]

newsboat: Debian's package (``apt-get install newsboat``); skipped if absent.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from tests import aggregator  # noqa: E402

from sync import Sample, timed  # noqa: E402 - bench/sync.py, beside this file

PASSWORD_ENV = "NEWSREADER_BENCH_PASSWORD"


def fill(
    miniflux: aggregator.Miniflux, user: aggregator.MinifluxUser, feeds: int, entries: int
) -> None:
    """``feeds`` feeds in 10 categories and ``entries`` unread entries, by SQL."""
    assert miniflux.postgres is not None
    uid = int(user.id)
    miniflux.postgres.sql(
        f"""
        INSERT INTO categories (user_id, title)
            SELECT {uid}, 'Folder ' || n FROM generate_series(1, 10) AS n;
        INSERT INTO feeds (user_id, category_id, title, feed_url, site_url)
            SELECT {uid},
                (SELECT id FROM categories WHERE user_id = {uid} AND title = 'Folder ' || (1 + n % 10)),
                'Feed ' || n, 'http://127.0.0.1:9/feed/' || n || '.xml', 'http://127.0.0.1:9/' || n
            FROM generate_series(1, {feeds}) AS n;
        INSERT INTO entries (user_id, feed_id, hash, published_at, changed_at, title, url,
                content, status, starred, author)
            SELECT {uid}, f.id, md5(e::text), now() - e * interval '1 minute', now(),
                'Story ' || e, 'http://127.0.0.1:9/story/' || e,
                '<p>' || repeat('The quick brown fox jumps over the lazy dog. ', 32) || e || '</p>',
                'unread', e % 500 = 0, 'Author ' || (e % 97)
            FROM generate_series(1, {entries}) AS e
            JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM feeds
                  WHERE user_id = {uid}) AS f ON f.k = e % {feeds};
        """,
        "miniflux",
    )


def newsreader_home(miniflux: aggregator.Miniflux, user: aggregator.MinifluxUser) -> Path:
    home = Path(tempfile.mkdtemp(prefix="nr-bench-account-"))
    (home / "config.toml").write_text(
        "[[account]]\n"
        'name = "miniflux"\n'
        f'url = "{miniflux.url}"\n'
        f'user = "{user.greader_username}"\n'
        f'password_env = "{PASSWORD_ENV}"\n'
    )
    return home


def newsboat_home(miniflux: aggregator.Miniflux, user: aggregator.MinifluxUser) -> Path:
    home = Path(tempfile.mkdtemp(prefix="nb-bench-account-"))
    (home / "config").write_text(
        'urls-source "miniflux"\n'
        f'miniflux-url "{miniflux.url}"\n'
        f'miniflux-login "{user.username}"\n'
        f'miniflux-passwordeval "printenv {PASSWORD_ENV}"\n'
        "reload-threads 4\n"
        "max-items 0\n"
    )
    (home / "urls").write_text("")
    return home


def run_newsreader(home: Path, user: aggregator.MinifluxUser) -> Sample:
    env = {**os.environ, "NEWSREADER_HOME": str(home), PASSWORD_ENV: user.greader_password}
    return timed([sys.executable, "-m", "newsreader", "sync"], env=env)


def run_newsboat(home: Path, user: aggregator.MinifluxUser) -> Sample:
    env = {**os.environ, PASSWORD_ENV: user.password}
    command = [
        "newsboat",
        "-C",
        str(home / "config"),
        "-u",
        str(home / "urls"),
        "-c",
        str(home / "cache.db"),
        "-x",
        "reload",
    ]
    return timed(command, env=env)


def count(path: Path, table: str) -> int:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def line(name: str, sample: Sample) -> str:
    return f"  {name:<28} {sample.wall:7.1f} s wall {sample.cpu:7.1f} s CPU {sample.pss_mb:7.0f} MB"


def bench(feeds: int, entries: int, peer: bool) -> None:
    with aggregator.running() as miniflux:
        user = miniflux.create_user("bench")
        fill(miniflux, user, feeds, entries)
        print(
            f"{feeds} subscriptions, {entries} unread entries (Miniflux {aggregator.MINIFLUX_VERSION})"
        )
        home = newsreader_home(miniflux, user)
        try:
            print(line("newsreader first sync", run_newsreader(home, user)))
            print(line("newsreader no-change re-sync", run_newsreader(home, user)))
            size = (home / "newsreader.db").stat().st_size / 1e6
            print(
                f"  newsreader cache: {size:.0f} MB, {count(home / 'newsreader.db', 'articles')} articles"
            )
        finally:
            shutil.rmtree(home, ignore_errors=True)
        if peer and shutil.which("newsboat"):
            boat = newsboat_home(miniflux, user)
            try:
                print(line("newsboat first reload", run_newsboat(boat, user)))
                print(line("newsboat no-change reload", run_newsboat(boat, user)))
                print(f"  newsboat cache: {count(boat / 'cache.db', 'rss_item')} items")
            finally:
                shutil.rmtree(boat, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--no-peer", action="store_true", help="skip newsboat")
    parser.add_argument("--no-small", action="store_true", help="skip the run at a tenth")
    args = parser.parse_args()
    if not args.no_small:
        bench(args.feeds, args.entries // 10, not args.no_peer)
    bench(args.feeds, args.entries, not args.no_peer)


if __name__ == "__main__":
    main()
