"""A Markdown file as an article: front matter for the metadata, the text for the body.

The body is rendered with markdown-it (CommonMark) and converted back by the same
converter as web pages, so a Markdown file obeys the same rules: raw ``<script>`` is
dropped, ``javascript:`` links lose their target, control characters go. The front
matter (YAML between ``---`` lines, or TOML between ``+++``) is read without
arbitrary tags and without aliases, so neither ``!!python/object`` nor an alias bomb
can do anything.
"""

from __future__ import annotations

import re
import tomllib
from html import escape
from typing import Any

from newsreader.content.dates import parse_date
from newsreader.content.language import guess_language, primary_language
from newsreader.content.markdown import convert_body
from newsreader.content.sanitize import clean_line, clean_text
from newsreader.errors import ParseError
from newsreader.ids import article_id, path_key
from newsreader.models import Article

__all__ = ["parse_markdown", "read_front_matter"]

_FRONT_MATTER = re.compile(
    r"\A(?P<fence>---|\+\+\+)[ \t]*\n(?P<body>.*?)\n(?P=fence)[ \t]*(?:\n|\Z)", re.S
)
_MAX_FRONT_MATTER = 64 * 1024


def _yaml(text: str) -> Any:
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        """SafeLoader (no arbitrary tags) that also refuses aliases (no alias bombs)."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                raise yaml.YAMLError("aliases are not allowed in front matter")
            return super().compose_node(parent, index)

    return yaml.load(text, Loader=NoAliasLoader)  # noqa: S506 - the loader above is safe


def read_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split ``text`` into its front matter (a dict, maybe empty) and the rest.

    Front matter that does not parse is left in the text, as a renderer would.
    """
    match = _FRONT_MATTER.match(text)
    if not match or len(match.group("body")) > _MAX_FRONT_MATTER:
        return {}, text
    raw = match.group("body")
    try:
        data = tomllib.loads(raw) if match.group("fence") == "+++" else _yaml(raw)
    except Exception:  # noqa: BLE001 - yaml raises many types; any failure means "not front matter"
        return {}, text
    if not isinstance(data, dict):
        return {}, text
    return {str(k).lower(): v for k, v in data.items()}, text[match.end() :]


def _scalar(front: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = front.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, dict):
            value = value.get("name")
        if value not in (None, ""):
            return value
    return None


def _authors(front: dict[str, Any]) -> str | None:
    value = front.get("author", front.get("authors"))
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items[:10]:
        if isinstance(item, dict):
            item = item.get("name")
        if isinstance(item, str | int | float) and (name := clean_line(str(item))):
            names.append(name)
    return ", ".join(names) or None


def _render(markdown: str) -> str:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    # Every link reaches the converter, which keeps the safe ones and drops the target of
    # the rest; markdown-it's own check would leave "[x](javascript:...)" as text instead.
    parser.validateLink = lambda url: True  # type: ignore[method-assign]
    return str(parser.render(markdown))


def parse_markdown(text: str, location: str) -> Article:
    """Read a Markdown document with optional front matter."""
    text = clean_text(text)
    front, body = read_front_matter(text)
    if not body.strip() and not front:
        raise ParseError("empty document: no text in it")
    title = clean_line(str(_scalar(front, "title") or "")) or None
    heading = re.match(r"\A\s*#[ \t]+(.+?)[ \t#]*(?:\n|\Z)", body)
    if heading and (title is None or clean_line(heading.group(1)) == title):
        title = title or clean_line(heading.group(1))
        body = body[heading.end() :]
    lede = (
        clean_line(str(_scalar(front, "lede", "description", "summary", "excerpt") or "")) or None
    )
    html = _render(body)
    if lede:
        html = f"<p>{escape(lede, quote=False)}</p>{html}"
    converted = convert_body(html)
    is_url = location.startswith(("http://", "https://"))
    url = _scalar(front, "canonical", "canonical_url", "url", "link")
    from newsreader.content.sanitize import safe_url

    canonical = safe_url(str(url)) if url else None
    language = _scalar(front, "lang", "language")
    return Article(
        id=article_id(canonical or (location if is_url else path_key(location))),
        title=title,
        url=canonical or (location if is_url else None),
        section=clean_line(str(_scalar(front, "section", "category", "categories") or "")) or None,
        author=_authors(front),
        published=parse_date(_scalar(front, "date", "published", "pubdate", "publishdate")),
        updated=parse_date(_scalar(front, "updated", "lastmod", "modified", "last_modified")),
        language=primary_language(str(language)) if language else guess_language(converted.text),
        lede=lede,
        markdown=converted.markdown,
        text=converted.text,
        headings=converted.headings,
        source=None if is_url else location,
    )
