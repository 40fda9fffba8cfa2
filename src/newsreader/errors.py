"""The errors newsreader raises on purpose.

Every error the user can cause (a bad path, a dead server, a broken page) is one of
these, carries a one-line message fit for stderr or a notification, and maps to an
exit code. Anything else escaping is a bug.

    NewsreaderError            exit 1
    ├── UsageError             exit 2: the command line itself is wrong
    │   └── AmbiguousIdError   an id prefix matches several cached articles
    ├── FetchError             the file or URL could not be read
    │   ├── TooLargeError      the body passed the size cap (after decompression)
    │   ├── FetchTimeoutError  connect/read timeout or the overall deadline
    │   └── AuthError          an account's server refused the credentials (401/403)
    │       └── TokenExpiredError  ... refused a token it had given: log in again, once
    ├── ParseError             the bytes are not a page, feed or document we can read
    │   └── UnsupportedError   the server does not implement what was asked of it
    ├── StoreError             the SQLite cache failed (full disk, permissions...)
    │   ├── StoreCorruptError  damaged, and the repair could not be done
    │   └── StoreReadOnlyError read-only cache: reading works, saving does not
    ├── NotCachedError         --offline asked for something the cache does not hold
    └── ConfigError            config.toml is invalid (names the line and key)
"""

from __future__ import annotations

__all__ = [
    "AmbiguousIdError",
    "AuthError",
    "ConfigError",
    "FetchError",
    "FetchTimeoutError",
    "NewsreaderError",
    "NotCachedError",
    "ParseError",
    "StoreCorruptError",
    "StoreError",
    "StoreReadOnlyError",
    "TokenExpiredError",
    "TooLargeError",
    "UnsupportedError",
    "UsageError",
]


class NewsreaderError(Exception):
    """Base class: a failure the user should read about in one line."""

    exit_code: int = 1

    def __str__(self) -> str:
        # One line without control characters, whatever the cause put in the message
        # (server reason phrases and file names are untrusted too).
        from newsreader.content.sanitize import clean_line

        return clean_line(super().__str__()) or type(self).__name__


class UsageError(NewsreaderError):
    """The command line is wrong (unknown format, missing argument...)."""

    exit_code = 2


class FetchError(NewsreaderError):
    """A file or URL could not be read.

    ``status`` is the HTTP status when the server answered; ``retry_after`` the
    seconds it asked us to wait (429, 503).
    """

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class TooLargeError(FetchError):
    """The body is bigger than the size cap."""


class FetchTimeoutError(FetchError):
    """The server was too slow: connect, read or overall deadline."""


class ParseError(NewsreaderError):
    """The content is not something newsreader can read."""


class StoreError(NewsreaderError):
    """The offline cache could not be read or written."""


class NotCachedError(NewsreaderError):
    """Offline mode asked for something that is not in the cache."""


class ConfigError(NewsreaderError):
    """The configuration file is invalid."""


class StoreCorruptError(StoreError):
    """The cache is damaged and could not be repaired (no room for the copy of the
    damage, or another process holds a file whose header is gone).

    Damage itself is repaired where it is found (see :mod:`newsreader.store.repair`);
    this error says why that was not possible.
    """


class StoreReadOnlyError(StoreError):
    """The cache cannot be written (read-only media or permissions); reading works."""


class AmbiguousIdError(UsageError):
    """An id prefix matches more than one cached article: type more characters."""


class AuthError(FetchError):
    """An account's server refused the user name and password (HTTP 401 or 403).

    The message names the server, never the password or a token.
    """


class TokenExpiredError(AuthError):
    """A token from an earlier login stopped working (expired, revoked, password changed).

    Distinct from :class:`AuthError` so that a caller can log in again once and retry;
    only a refused login means the credentials themselves are wrong.
    """


class UnsupportedError(ParseError):
    """The server answered, but does not implement the call (Miniflux answers ``[]`` to
    endpoints it lacks, such as ``stream/contents``)."""
