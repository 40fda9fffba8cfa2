"""Stable article ids.

An article keeps its id across re-syncs, so the read and starred state the store keeps
under that id survives. The id is a short hash of the most stable key the article has:
its canonical URL, else its feed guid (scoped to the feed), else its file path.
"""

from __future__ import annotations

import hashlib
import os
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from newsreader.startup import LazyPattern

__all__ = ["ID_PATTERN", "article_id", "normalize_url", "path_key"]

ID_LENGTH = 12
ID_PATTERN = re.compile(r"[0-9a-f]{6,12}")
"""What a user may type for an id: the whole id or an unambiguous prefix of it."""

_SIMPLE_URL = re.compile(r"(https?)://([a-z0-9.-]+)(:[0-9]{1,5})?/[^?#\s]*\Z")
_TRACKING = LazyPattern(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|xtor|at_medium|at_campaign)$")


def normalize_url(url: str) -> str:
    """The URL as a key: scheme and host lowercased, default port, fragment and
    tracking parameters dropped, so that the same story gets the same id."""
    simple = _SIMPLE_URL.match(url)
    if simple and simple.group(3) not in (":80", ":443"):
        return url  # lowercase host, no query, fragment or default port: already a key
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:  # an invalid IPv6 literal, a port that is not a number
        return url.strip()  # not a URL that can be normalised: the key as it is
    host = (parts.hostname or "").lower()
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _TRACKING.match(k)
        ]
    )
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", query, ""))


def path_key(path: str | os.PathLike[str]) -> str:
    """The key of a local file: its absolute path."""
    return "file:" + os.path.abspath(os.fspath(path))


def article_id(key: str) -> str:
    """A short, stable id for a key (see :func:`normalize_url` and :func:`path_key`)."""
    if key.startswith(("http://", "https://")):
        key = normalize_url(key)
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:ID_LENGTH]
