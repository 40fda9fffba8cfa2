"""Accounts without a server: the offline queue the cache keeps (filled by triggers,
never by what a sync applies), the [[account]] config, and where secrets live."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.config import AccountConfig, SourceConfig, load_config, parse_config, save_accounts
from newsreader.errors import AuthError, ConfigError
from newsreader.ids import article_id
from newsreader.models import Article
from newsreader.sources.credentials import TokenFile, password
from newsreader.store import Store, prepare_batch
from newsreader.store.accounts import AccountItem

URL = "https://rss.example.org/"


def story(n: int) -> Article:
    url = f"https://news.example.org/{n}"
    return Article(id=article_id(url), title=f"Story {n}", url=url, text=f"Body {n}.")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "newsreader.db", notice=None) as opened:
        opened.upsert_source("mf", kind="greader", location=URL)
        opened.upsert_source("wire", kind="feed", location="https://wire.example/rss")
        items = [AccountItem(story(n).id, 100 + n, "feed/1", n == 1, False) for n in range(1, 4)]
        opened.store_account_items("mf", prepare_batch([story(n) for n in range(1, 4)]), items)
        opened.upsert_articles("wire", [story(9)])
        yield opened


def queue(store: Store) -> dict[tuple[int, str], tuple[bool, bool]]:
    return {(c.item, c.field): (c.value, c.base) for c in store.account_queue("mf")}


def test_the_servers_state_comes_in_without_being_queued(store: Store) -> None:
    assert store.article(story(1).id).read is True  # type: ignore[union-attr]
    assert store.article(story(2).id).read is False  # type: ignore[union-attr]
    assert queue(store) == {}
    assert store.account_items("mf") == {101, 102, 103}


def test_every_change_here_is_queued_with_its_last_value_and_first_base(store: Store) -> None:
    store.mark_read(story(2).id)
    store.set_starred(story(3).id)
    store.mark_read(story(9).id)  # not from the account: nothing to tell the server
    assert queue(store) == {(102, "read"): (True, False), (103, "starred"): (True, False)}
    store.mark_read(story(2).id, False)  # back again: the last value, the first base
    store.mark_all_read()
    assert queue(store) == {
        (102, "read"): (True, False),
        (103, "read"): (True, False),
        (103, "starred"): (True, False),
    }


def test_applying_the_server_leaves_queued_items_and_queues_nothing(store: Store) -> None:
    store.set_starred(story(3).id)
    changed = store.apply_account_state("mf", unread=[101], starred=[102, 103])
    assert changed == 3  # 101 unread, 102 read and starred; 103 keeps its queued change
    assert store.article(story(1).id).read is False  # type: ignore[union-attr]
    assert store.article(story(2).id).starred is True  # type: ignore[union-attr]
    assert queue(store) == {(103, "starred"): (True, False)}


def test_settling_keeps_a_change_made_again_meanwhile(store: Store) -> None:
    store.mark_read(story(2).id)
    store.mark_read(story(3).id)
    sent = store.account_queue("mf")
    store.mark_read(story(3).id, False)  # while the sync was sending
    store.settle_account_queue("mf", sent)
    assert queue(store) == {(103, "read"): (False, False)}


def test_the_server_winning_is_applied_here(store: Store) -> None:
    store.mark_read(story(2).id)
    store.settle_account_queue("mf", [], store.account_queue("mf"))
    assert store.article(story(2).id).read is False  # type: ignore[union-attr]
    assert queue(store) == {}


def test_unsubscribing_forgets_the_feeds_articles_but_starred_ones(store: Store) -> None:
    store.set_starred(story(1).id)
    assert store.remove_account_feed("mf", "feed/1") == 2
    assert store.article(story(1).id) is not None
    assert store.article(story(2).id) is None
    assert queue(store) == {}


def test_a_repaired_cache_keeps_the_queue(store: Store, tmp_path: Path) -> None:
    from newsreader.store import repair

    store.mark_read(story(2).id)
    fresh = tmp_path / "fresh.db"
    Store.open(fresh, notice=None).close()
    with sqlite3.connect(store.path) as source, sqlite3.connect(fresh) as target:
        repair.salvage(source, target)
    with Store.open(fresh, notice=None) as mended:
        assert {(c.item, c.field) for c in mended.account_queue("mf")} == {(102, "read")}
        assert mended.account_items("mf") == {101, 102, 103}


# -- config --------------------------------------------------------------------------


def config_of(text: str, tmp_path: Path) -> object:
    return parse_config(text, tmp_path / "config.toml")


ACCOUNT = """
[[account]]
name = "mf"
url = "https://rss.example.org/"
user = "me"
password_command = "pass show miniflux"
"""


def test_an_account_table_is_a_source_of_its_own_kind(tmp_path: Path) -> None:
    from newsreader.sources.registry import kind_of

    config = parse_config(ACCOUNT, tmp_path / "config.toml")
    (source,) = config.sources
    assert source.account == AccountConfig(
        type="greader", url=URL, user="me", password_command="pass show miniflux"
    )
    assert kind_of(source).name == "greader"
    assert source.full_text == "never"  # the server has the content


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('password = "hunter2"', "would keep a secret in clear"),
        ('token = "abc"', "would keep a secret in clear"),
        ('type = "fever"', "type must be one of greader"),
        ('passwd_env = "X"', "unknown key 'passwd_env'"),
        ('password_env = "A B"', "password_env must name a variable"),
    ],
)
def test_account_tables_are_read_strictly(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        parse_config(ACCOUNT + line + "\n", tmp_path / "config.toml")
    assert "hunter2" not in str(caught.value)


def test_an_address_with_credentials_is_refused_without_echo(tmp_path: Path) -> None:
    text = ACCOUNT.replace("https://rss", "https://me:hunter2@rss")
    with pytest.raises(ConfigError, match="must not hold a user name or password") as caught:
        parse_config(text, tmp_path / "config.toml")
    assert "hunter2" not in str(caught.value)


def test_accounts_are_written_back_and_share_names_with_sources(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('# mine\n[[source]]\nname = "mf"\nurl = "https://a.example/rss"\n')
    account = SourceConfig(
        name="other", account=AccountConfig("greader", URL, "me", password_env="PW")
    )
    save_accounts(path, added=[account])
    assert "# mine" in path.read_text()
    assert load_config(path).source("other").account == account.account  # type: ignore[union-attr]
    clash = SourceConfig(name="MF", account=AccountConfig("greader", URL, "me"))
    with pytest.raises(ConfigError, match="two sources are named"):
        save_accounts(path, added=[clash])
    save_accounts(path, removed=["other"])
    assert load_config(path).source("other") is None


# -- secrets -------------------------------------------------------------------------


def test_the_token_file_is_private_and_tied_to_its_server(tmp_path: Path) -> None:
    account = AccountConfig("greader", URL, "me")
    tokens = TokenFile(tmp_path, "mf", account)
    old = os.umask(0)
    try:
        tokens.save("me/0123456789abcdef")
    finally:
        os.umask(old)
    assert stat.S_IMODE(tokens.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(tokens.path.parent.stat().st_mode) == 0o700
    assert tokens.load() == "me/0123456789abcdef"
    assert "0123456789abcdef" not in repr(tokens)
    moved = AccountConfig("greader", "https://elsewhere.example/", "me")
    assert TokenFile(tmp_path, "mf", moved).load() is None  # never sent to another server
    tokens.delete()
    assert tokens.load() is None


def test_the_password_comes_from_a_command_or_a_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    command = AccountConfig("greader", URL, "me", password_command="printf 's3cret\\nmore'")
    assert password(command, "mf") == "s3cret"
    monkeypatch.setenv("NR_PW", "from-env")
    assert password(AccountConfig("greader", URL, "me", password_env="NR_PW"), "mf") == "from-env"
    assert password(AccountConfig("greader", URL, "me"), "mf") is None
    failing = AccountConfig("greader", URL, "me", password_command="echo s3cret >&2; exit 3")
    with pytest.raises(AuthError) as caught:
        password(failing, "mf")
    assert str(caught.value) == "the password command of account 'mf' failed (exit 3)"
