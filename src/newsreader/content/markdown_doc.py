"""A Markdown file as an article: front matter for the metadata, the text for the body.

The body is rendered with markdown-it (CommonMark) and converted back by the same
converter as web pages, so a Markdown file obeys the same rules: raw ``<script>`` is
dropped, ``javascript:`` links lose their target, control characters go. The front
matter (YAML between ``---`` lines, or TOML between ``+++``) is read without
arbitrary tags and without aliases, so neither ``!!python/object`` nor an alias bomb
can do anything. Front matter refused for using them (or broken) is still front
matter: it never reaches the body, and only its plain one-line ``key: value`` fields
are read.
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
# A block that reads as key/value lines is front matter even when it does not parse.
_MAPPING_LINE = {
    "---": re.compile(r"^(?P<key>[A-Za-z_][\w-]{0,40})[ \t]*:(?:[ \t]+(?P<value>.*?))?[ \t]*$"),
    "+++": re.compile(r"^(?P<key>[A-Za-z_][\w-]{0,40})[ \t]*=[ \t]*(?P<value>.*?)[ \t]*$"),
}
# What no plain one-line scalar starts with: YAML anchors, aliases, tags, flow
# collections, block scalars, directives; TOML arrays and tables.
_NOT_PLAIN = re.compile(r"[&*!\[{|>%@`]")


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

    Front matter that is refused (aliases, tags), broken or too long is still dropped
    from the text when it reads as ``key: value`` lines; only its plain scalar
    fields are kept. A block that does not read so (a thematic break, a paragraph,
    another one) is left in the text, as a renderer would.
    """
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    raw, fence, rest = match.group("body"), match.group("fence"), text[match.end() :]
    data: Any = None
    if len(raw) <= _MAX_FRONT_MATTER:
        try:
            data = tomllib.loads(raw) if fence == "+++" else _yaml(raw)
        except Exception:  # noqa: BLE001 - yaml raises many types: refused, see below
            data = None
    if isinstance(data, dict):
        return {str(k).lower(): v for k, v in data.items()}, rest
    if data is None and _reads_as_mapping(raw, fence):
        return _plain_fields(raw, fence), rest
    return {}, text


def _reads_as_mapping(raw: str, fence: str) -> bool:
    """Is the first line that says anything a ``key: value`` (or ``key = value``) line?"""
    for line in raw.split("\n", 200)[:200]:
        if line.strip() and not line.lstrip().startswith("#"):
            return _MAPPING_LINE[fence].match(line) is not None
    return False


def _plain_fields(raw: str, fence: str) -> dict[str, str]:
    """The unindented one-line fields of a block that did not parse, when their value
    is a plain or simply quoted scalar: ``title: Hello``, ``title = "Hello"``."""
    fields: dict[str, str] = {}
    for line in raw[:_MAX_FRONT_MATTER].split("\n"):
        match = _MAPPING_LINE[fence].match(line)
        if match is None or not match.group("value"):
            continue
        key, value = match.group("key").lower(), match.group("value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
            if "\\" in value or value[:1] in "\"'":
                continue  # escapes: not simple enough to read without the parser
        elif _NOT_PLAIN.match(value) or value[:1] in "\"'":
            continue
        else:
            value = re.sub(r"[ \t]+#.*$", "", value)  # a trailing comment
        if value and key not in fields:
            fields[key] = value
    return fields


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
        url=canonical or (safe_url(location) if is_url else None),
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
