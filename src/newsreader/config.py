"""The user's configuration: ``config.toml``, read strictly, written gently.

Reading uses :mod:`tomllib` into frozen dataclasses; an unknown key is an error that
names the line and the key (and the key it probably meant), because a typo that is
silently ignored is a setting that silently does nothing. Writing (``newsreader add``,
``remove``, ``import``) goes through tomlkit, which keeps the user's comments and
layout, and replaces the file atomically.

    # ~/.config/newsreader/config.toml
    [cache]
    max_articles = 2000          # per source; starred articles are always kept

    [sync]
    concurrency = 16             # requests in flight at once
    per_host = 6                 # ... and to one host
    timeout = 20                 # seconds per request, all included
    full_text = "auto"           # default for sources: auto | always | never

    [reader]
    mark_read_on_open = true
    ticker = true

    [keymap]                     # binding id = keys (see `?` in the reader)
    quit = "q,ctrl+q"

    [[source]]
    name = "Le Monde"
    url = "https://www.lemonde.fr/rss/une.xml"
    section = "À la une"
    flash = true

    [[account]]                  # an aggregator (Miniflux, FreshRSS...): see README
    name = "miniflux"
    type = "greader"
    url = "https://rss.example.org/"
    user = "me"
    password_command = "pass show miniflux"   # or password_env = "VAR"; never the password
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from newsreader.errors import ConfigError

__all__ = [
    "ACCOUNT_TYPES",
    "FULL_TEXT_MODES",
    "AccountConfig",
    "Config",
    "FullText",
    "SourceConfig",
    "add_account",
    "add_source",
    "load_config",
    "remove_account",
    "remove_source",
    "save_accounts",
    "save_sources",
]

FullText = Literal["auto", "always", "never"]
FULL_TEXT_MODES: tuple[FullText, ...] = ("auto", "always", "never")
ACCOUNT_TYPES = ("greader",)
"""The APIs an ``[[account]]`` may speak: the Google Reader API (Miniflux, FreshRSS,
Inoreader, The Old Reader, BazQux...)."""
ACCOUNT_KEEP = 1_000_000
"""Articles an account keeps by default: the server prunes its own history, and an
unread item pruned here would only come back at the next sync."""


@dataclass(frozen=True, slots=True)
class AccountConfig:
    """How to reach an aggregator account. Never the password itself: where to get it."""

    type: str
    """The API (``greader``)."""
    url: str
    """Where the API lives (the README has each server's address)."""
    user: str
    password_command: str | None = None
    """A shell command that prints the password (``pass show miniflux``)."""
    password_env: str | None = None
    """An environment variable that holds the password."""
    app_id: str | None = None
    """Inoreader's registered app id (sent as ``AppId``)."""
    app_key_command: str | None = None
    """A shell command that prints the app key (sent as ``AppKey``)."""


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One subscription: a feed URL, a site URL (feeds found by autodiscovery at
    ``add`` time) or a local folder."""

    name: str
    url: str | None = None
    path: str | None = None
    section: str | None = None
    """Section the source's articles go to; the feed's own title when unset."""
    full_text: FullText | None = None
    """auto: fetch the linked page when an entry carries only a summary."""
    flash: bool = False
    """Its headlines feed the flash-info ticker."""
    user_agent: str | None = None
    max_articles: int | None = None
    account: AccountConfig | None = None
    """Set for an aggregator account (an ``[[account]]`` table): its subscriptions,
    folders and reading state come from the server."""

    @property
    def location(self) -> str:
        """The URL or the folder, for messages and tables."""
        return self.url or self.path or (self.account.url if self.account else "")


@dataclass(frozen=True, slots=True)
class Config:
    """Everything config.toml can say, with defaults for what it does not."""

    sources: tuple[SourceConfig, ...] = ()
    max_articles: int = 2000
    concurrency: int = 16
    per_host: int = 6
    timeout: float = 20.0
    full_text: FullText = "auto"
    full_text_concurrency: int = 8
    user_agent: str | None = None
    mark_read_on_open: bool = True
    ticker: bool = True
    theme: str | None = None
    keymap: Mapping[str, str] = field(default_factory=dict)
    path: Path | None = None
    """The file it was read from (None when there is none yet)."""
    stamp: str | None = None
    """That file's :func:`~newsreader.paths.file_stamp` when it was read: a sync's plan
    for the next one holds only for the same file (:mod:`newsreader.sources.head_start`)."""

    def source(self, name: str) -> SourceConfig | None:
        """The source called ``name`` (case-insensitive), if any."""
        folded = name.casefold()
        return next((s for s in self.sources if s.name.casefold() == folded), None)

    def max_articles_for(self, source: SourceConfig) -> int:
        return source.max_articles or self.max_articles

    def full_text_for(self, source: SourceConfig) -> FullText:
        return source.full_text or self.full_text


# -- reading ---------------------------------------------------------------------------

_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "cache": {"max_articles": int},
    "sync": {
        "concurrency": int,
        "per_host": int,
        "timeout": (int, float),
        "full_text": str,
        "full_text_concurrency": int,
        "user_agent": str,
    },
    "reader": {"mark_read_on_open": bool, "ticker": bool, "theme": str},
}
_SOURCE_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "url": str,
    "path": str,
    "section": str,
    "full_text": str,
    "flash": bool,
    "user_agent": str,
    "max_articles": int,
}
_ACCOUNT_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "type": str,
    "url": str,
    "user": str,
    "password_command": str,
    "password_env": str,
    "app_id": str,
    "app_key_command": str,
    "full_text": str,
    "flash": bool,
    "max_articles": int,
}
_SECRET_KEYS = frozenset({"password", "passwd", "pass", "token", "auth", "app_key", "secret"})
"""Keys that would hold a secret in clear: refused with a word on what to use instead."""
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_KIND_NAMES: dict[tuple[type, ...], str] = {
    (str,): "a string",
    (int,): "a whole number",
    (int, float): "a number",
    (bool,): "true or false",
}
_LIMITS: dict[str, float] = {
    "max_articles": 10_000_000,
    "concurrency": 1024,
    "per_host": 256,
    "timeout": 3600,
    "full_text_concurrency": 256,
}
"""Largest values that still mean something: beyond them a number is a typo (or
``inf``), and the code that uses it would wait forever or open sockets without end."""
_SHOWN = 60
"""Characters of a quoted value in a message: a 1 MB name must not make a 1 MB line."""
_HEADER_VALUE = re.compile(r"[ -~]{1,512}")
"""What an HTTP header (``user_agent``) may carry: printable ASCII, one line."""


def _shown(value: Any) -> str:
    """``repr(value)``, cut to :data:`_SHOWN` characters."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\"'.-]+)\s*=")


def _key_lines(text: str) -> dict[tuple[str, int, str], int]:
    """Line numbers of keys, as (table, index in an array of tables, key) -> line.

    tomllib gives values, not positions; this scan is only used to point at a key
    that was already found to be wrong, so it can stay simple.
    """
    lines: dict[tuple[str, int, str], int] = {}
    table, counts = "", {"": 0}
    index = 0
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            table = header.group(1).strip().strip("\"'")
            counts[table] = counts.get(table, -1) + 1 if line.strip().startswith("[[") else 0
            index = counts[table]
            continue
        key = _KEY.match(line)
        if key:
            lines.setdefault((table, index, key.group(1).strip("\"'")), number)
    return lines


class _Reader:
    """Checks one parsed file against the schema, naming lines in its errors."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.lines: dict[tuple[str, int, str], int] | None = None
        """Scanned for the first error only: a valid file never needs them."""

    def where(self, table: str, key: str, index: int = 0) -> str:
        if self.lines is None:
            self.lines = _key_lines(self.text)
        line = self.lines.get((table, index, key))
        return f"{self.path.name} line {line}" if line else self.path.name

    def fail(self, table: str, key: str, message: str, index: int = 0) -> ConfigError:
        return ConfigError(f"{self.where(table, key, index)}: {message}")

    def unknown(self, table: str, key: str, known: Sequence[str], index: int = 0) -> ConfigError:
        import difflib  # only for a mistake: kept off every command's start-up

        guess = difflib.get_close_matches(key[:100], known, n=1)
        hint = f" (did you mean {guess[0]!r}?)" if guess else f" (known: {', '.join(known)})"
        place = (
            f"[[{table}]] #{index + 1}"
            if table in ("source", "account")
            else f"[{table}]"
            if table
            else "the top level"
        )
        return self.fail(table, key, f"unknown key {_shown(key)} in {place}{hint}", index)

    def typed(
        self, table: str, key: str, value: Any, kind: type | tuple[type, ...], index: int = 0
    ) -> Any:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            expected = _KIND_NAMES.get(kinds, " or ".join(k.__name__ for k in kinds))
            raise self.fail(table, key, f"{key!r} must be {expected}, not {_shown(value)}", index)
        return value


def _positive(reader: _Reader, table: str, key: str, value: float, index: int = 0) -> None:
    """A count or a number of seconds: more than 0, finite, and at most its limit."""
    if (isinstance(value, float) and not math.isfinite(value)) or value <= 0:
        raise reader.fail(table, key, f"{key!r} must be a number greater than 0", index)
    limit = _LIMITS[key]
    if value > limit:
        raise reader.fail(
            table, key, f"{key!r} must be at most {limit:g}, not {_shown(value)}", index
        )


def _header_value(reader: _Reader, table: str, key: str, value: str, index: int = 0) -> None:
    if not _HEADER_VALUE.fullmatch(value):
        raise reader.fail(
            table,
            key,
            f"{key!r} must be printable ASCII on one line (no CR, LF or control "
            f"characters), at most 512 of them, not {_shown(value)}",
            index,
        )


def _source_url(reader: _Reader, value: str, index: int, table: str = "source") -> None:
    """A source URL is fetched: http or https, with a host and a valid port."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise reader.fail(
            table, "url", f"url must be an http or https URL, not {_shown(value)}", index
        )
    if parts.username is not None or parts.password is not None:
        # Never echoed: what sits before the @ is a password more often than not.
        raise reader.fail(table, "url", "url must not hold a user name or password", index)


def _printable(reader: _Reader, key: str, value: str, index: int, table: str = "source") -> None:
    """Names, sections and paths show in tables and messages, and a path reaches the
    file system: no control characters. A name or a section is also kept as it is
    written, so it must already be what the cache would make of it (one line of plain
    text: no edge or double spaces, no tag, no script URL), or the cache would file the
    source under another name."""
    if not value.isprintable():
        raise reader.fail(
            table, key, f"{key!r} must not hold control characters: {_shown(value)}", index
        )
    if key in ("name", "section"):
        from newsreader.content.sanitize import clean_line

        if clean_line(value) != value:
            raise reader.fail(
                table,
                key,
                f"{key!r} must be plain text without edge or double spaces, tags or script "
                f"URLs: {_shown(value)}",
                index,
            )


def _full_text(reader: _Reader, table: str, value: str, index: int = 0) -> FullText:
    if value not in FULL_TEXT_MODES:
        raise reader.fail(
            table,
            "full_text",
            f"full_text must be one of {', '.join(FULL_TEXT_MODES)}, not {_shown(value)}",
            index,
        )
    return value


def _read_source(reader: _Reader, index: int, raw: Any) -> SourceConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{reader.path.name}: [[source]] #{index + 1} must be a table")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _SOURCE_KEYS:
            raise reader.unknown("source", key, list(_SOURCE_KEYS), index)
        values[key] = reader.typed("source", key, value, _SOURCE_KEYS[key], index)
    if "name" not in values or not values["name"].strip():
        raise ConfigError(f"{reader.path.name}: [[source]] #{index + 1} needs a name")
    if ("url" in values) == ("path" in values):
        raise reader.fail(
            "source", "name", f"source {_shown(values['name'])} needs either url or path", index
        )
    for key in ("name", "section", "path"):
        if key in values:
            _printable(reader, key, values[key], index)
    if "url" in values:
        _source_url(reader, values["url"], index)
    if "user_agent" in values:
        _header_value(reader, "source", "user_agent", values["user_agent"], index)
    if "full_text" in values:
        values["full_text"] = _full_text(reader, "source", values["full_text"], index)
    if "max_articles" in values:
        _positive(reader, "source", "max_articles", values["max_articles"], index)
    if "path" in values:
        values["path"] = os.path.expanduser(values["path"])
    return SourceConfig(**values)


def _read_account(reader: _Reader, index: int, raw: Any) -> SourceConfig:
    """One ``[[account]]`` table, as the source the sync sees."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{reader.path.name}: [[account]] #{index + 1} must be a table")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key.casefold() in _SECRET_KEYS:
            raise reader.fail(
                "account",
                key,
                f"{key!r} would keep a secret in clear: use password_command or "
                "password_env (or let `newsreader account login` ask)",
                index,
            )
        if key not in _ACCOUNT_KEYS:
            raise reader.unknown("account", key, list(_ACCOUNT_KEYS), index)
        values[key] = reader.typed("account", key, value, _ACCOUNT_KEYS[key], index)
    for key in ("name", "url", "user"):
        if not str(values.get(key, "")).strip():
            raise ConfigError(f"{reader.path.name}: [[account]] #{index + 1} needs {key!r}")
    _printable(reader, "name", values["name"], index, table="account")
    kind = values.get("type", "greader")
    if kind not in ACCOUNT_TYPES:
        raise reader.fail(
            "account",
            "type",
            f"type must be one of {', '.join(ACCOUNT_TYPES)}, not {_shown(kind)}",
            index,
        )
    _source_url(reader, values["url"], index, table="account")
    if not values["user"].isprintable():
        raise reader.fail("account", "user", "'user' must not hold control characters", index)
    env = values.get("password_env")
    if env is not None and not _ENV_NAME.fullmatch(env):
        raise reader.fail(
            "account",
            "password_env",
            f"password_env must name a variable, not {_shown(env)}",
            index,
        )
    if "app_id" in values:
        _header_value(reader, "account", "app_id", values["app_id"], index)
    if "max_articles" in values:
        _positive(reader, "account", "max_articles", values["max_articles"], index)
    account = AccountConfig(
        type=kind,
        url=values["url"],
        user=values["user"],
        password_command=values.get("password_command"),
        password_env=env,
        app_id=values.get("app_id"),
        app_key_command=values.get("app_key_command"),
    )
    return SourceConfig(
        name=values["name"],
        full_text=_full_text(reader, "account", values["full_text"], index)
        if "full_text" in values
        else "never",
        flash=values.get("flash", False),
        max_articles=values.get("max_articles", ACCOUNT_KEEP),
        account=account,
    )


def parse_config(text: str, path: Path) -> Config:
    """Parse the text of a config file (``path`` is only used in messages)."""
    text = text.removeprefix("\ufeff")  # Windows editors start UTF-8 with a BOM
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path.name}: invalid TOML: {error}") from None
    reader = _Reader(path, text)
    settings: dict[str, Any] = {"path": path}
    sources: list[SourceConfig] = []
    for key, value in data.items():
        if key == "source":
            items = value if isinstance(value, list) else [value]
            sources.extend(_read_source(reader, i, item) for i, item in enumerate(items))
        elif key == "account":
            items = value if isinstance(value, list) else [value]
            sources.extend(_read_account(reader, i, item) for i, item in enumerate(items))
        elif key == "keymap":
            if not isinstance(value, dict):
                raise reader.fail("", key, "[keymap] must be a table of binding id = keys")
            for binding, keys in value.items():
                reader.typed("keymap", binding, keys, str)
            settings["keymap"] = dict(value)
        elif key in _SCHEMA:
            if not isinstance(value, dict):
                raise reader.fail("", key, f"[{key}] must be a table")
            for option, option_value in value.items():
                if option not in _SCHEMA[key]:
                    raise reader.unknown(key, option, list(_SCHEMA[key]))
                settings[option] = reader.typed(key, option, option_value, _SCHEMA[key][option])
        else:
            raise reader.unknown("", key, [*_SCHEMA, "keymap", "source", "account"])
    for option in ("max_articles", "concurrency", "per_host", "timeout", "full_text_concurrency"):
        if option in settings:
            table = next(t for t, keys in _SCHEMA.items() if option in keys)
            _positive(reader, table, option, settings[option])
    if "full_text" in settings:
        settings["full_text"] = _full_text(reader, "sync", settings["full_text"])
    if "user_agent" in settings:
        _header_value(reader, "sync", "user_agent", settings["user_agent"])
    if "timeout" in settings:
        settings["timeout"] = float(settings["timeout"])
    names = [s.name.casefold() for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(
            f"{path.name}: two sources are named {_shown(duplicates[0])}; names must differ"
            " (accounts are sources too)"
        )
    return Config(sources=tuple(sources), **settings)


def load_config(path: Path) -> Config:
    """Read ``path``; a missing file is an empty configuration (the demo edition)."""
    from newsreader.paths import file_stamp

    stamp = file_stamp(path)  # before reading: never newer than the text read
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    return replace(parse_config(text, path), stamp=stamp)


# -- writing ---------------------------------------------------------------------------

_NEW_FILE_HEADER = (
    "# newsreader configuration. `newsreader add`, `remove` and `import` edit the\n"
    "# [[source]] tables and keep your comments; see the README for every setting.\n"
)


def _source_table(source: SourceConfig) -> Any:
    import tomlkit

    table = tomlkit.table()
    for key in _SOURCE_KEYS:
        value = getattr(source, key)
        if value not in (None, False):
            table[key] = value
    return table


def write_atomically(path: Path, text: str, *, create_folder: bool = True) -> None:
    """Write ``text`` to ``path`` through a temporary file, so a crash never leaves half a
    file. ``create_folder`` is for newsreader's own folders, never for a path the user
    gave (a typo must not become a folder)."""
    if create_folder:
        from newsreader.paths import ensure_dir

        ensure_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def save_sources(
    path: Path, added: Sequence[SourceConfig] = (), removed: Sequence[str] = ()
) -> None:
    """Add and remove ``[[source]]`` tables, keeping everything else in the file."""
    _save_tables(path, "source", [_source_table(source) for source in added], removed)


def _save_tables(path: Path, kind: str, added: Sequence[Any], removed: Sequence[str]) -> None:
    """Add tables to the ``[[kind]]`` array and remove those named in ``removed`` (case
    ignored), keeping the file's comments and everything else; the file is checked
    before and after, and replaced whole."""
    import tomlkit

    try:
        text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    except FileNotFoundError:
        text = _NEW_FILE_HEADER
    parse_config(text, path)  # refuse to rewrite a file we would refuse to read
    document = tomlkit.parse(text)
    existing = document.get(kind)
    if existing is not None and removed:
        folded = {name.casefold() for name in removed}
        keep = [table for table in existing if str(table.get("name", "")).casefold() not in folded]
        del document[kind]
        if keep:
            document.append(kind, tomlkit.aot())
            for table in keep:
                document[kind].append(table)
    if added:
        if kind not in document:
            document.append(kind, tomlkit.aot())
        for table in added:
            document[kind].append(table)
    new_text = tomlkit.dumps(document)
    parse_config(new_text, path)  # never write a file that would not load
    write_atomically(path, new_text)


def _account_table(source: SourceConfig) -> Any:
    import tomlkit

    assert source.account is not None
    table = tomlkit.table()
    table["name"] = source.name
    for key in ("type", "url", "user", "password_command", "password_env", "app_id"):
        value = getattr(source.account, key)
        if value:
            table[key] = value
    if source.account.app_key_command:
        table["app_key_command"] = source.account.app_key_command
    return table


def save_accounts(
    path: Path, added: Sequence[SourceConfig] = (), removed: Sequence[str] = ()
) -> None:
    """Add and remove ``[[account]]`` tables, keeping everything else in the file."""
    _save_tables(path, "account", [_account_table(source) for source in added], removed)


def add_account(config: Config, path: Path, source: SourceConfig) -> Config:
    """Append an ``[[account]]``; its name must be new among sources and accounts."""
    if config.source(source.name):
        raise ConfigError(f"a source or account named {_shown(source.name)} already exists")
    save_accounts(path, added=[source])
    return replace(config, sources=(*config.sources, source))


def remove_account(config: Config, path: Path, name: str) -> Config:
    """Remove the account called ``name`` from the file."""
    source = config.source(name)
    if source is None or source.account is None:
        raise ConfigError(f"no account named {_shown(name)} (see `newsreader sources`)")
    save_accounts(path, removed=[source.name])
    return replace(config, sources=tuple(s for s in config.sources if s is not source))


def add_source(config: Config, path: Path, source: SourceConfig) -> Config:
    """Append ``source`` to the file; its name must be new."""
    if config.source(source.name):
        raise ConfigError(f"a source named {_shown(source.name)} already exists")
    save_sources(path, added=[source])
    return replace(config, sources=(*config.sources, source))


def remove_source(config: Config, path: Path, name: str) -> Config:
    """Remove the source called ``name`` from the file."""
    source = config.source(name)
    if source is None:
        raise ConfigError(f"no source named {_shown(name)} (see `newsreader sources`)")
    if source.account is not None:
        raise ConfigError(
            f"{_shown(source.name)} is an account: `newsreader account remove` removes it"
        )
    save_sources(path, removed=[source.name])
    return replace(config, sources=tuple(s for s in config.sources if s is not source))
