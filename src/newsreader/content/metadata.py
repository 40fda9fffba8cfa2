"""Article metadata from an HTML page: JSON-LD first, then OpenGraph and meta tags,
then what the page shows (``<h1>``, the byline, ``Publié le …, mis à jour le …``).

Structured data is what publishers maintain for search engines, so it is usually the
most exact; visible text is the fallback that every page has.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml.html import HtmlElement

from newsreader.content.dates import parse_date
from newsreader.content.sanitize import clean_line, safe_url

__all__ = ["PageMeta", "read_metadata", "strip_byline_prefix", "BYLINE_PREFIX", "DATE_LINE"]

_ARTICLE_TYPES = {
    "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "liveblogposting",
    "report", "scholarlyarticle", "techarticle", "socialmediaposting", "review",
    "askpublicnewsarticle", "satiricalarticle", "medicalscholarlyarticle",
}
_PAGE_TYPES = {"webpage", "itempage", "collectionpage", "aboutpage", "qapage", "faqpage"}
BYLINE_PREFIX = re.compile(
    r"^\s*(?:(?:é|e)crit\s+par|r(?:é|e)dig(?:é|e)\s+par|publi(?:é|e)\s+par|propos\s+recueillis\s+par|"
    r"par|by|written\s+by|posted\s+by|von|por|di|da|door|av|af|autor(?:in)?:?|author:?|auteur\s*:?)\s+",
    re.IGNORECASE,
)
DATE_LINE = re.compile(
    r"^\s*(?:publi(?:é|e)|mis\s+en\s+ligne|mis\s+à\s+jour|modifi(?:é|e)|actualis(?:é|e)|"
    r"published|posted|updated|last\s+updated|modified|veröffentlicht|aktualisiert|"
    r"publicado|actualizado|pubblicato|aggiornato)\b",
    re.IGNORECASE,
)
_UPDATED_WORDS = re.compile(
    r"(mis\s+à\s+jour|modifi|actualis|updated|modified|aktualisiert|ge(ä|a)ndert|actualizad|aggiornat)",
    re.IGNORECASE,
)
_LEDE_CLASS = re.compile(
    r"(?:^|[\s_-])(chap(?:o|ô|eau)|lede|lead|standfirst|stand-first|intro|introduction|summary|"
    r"excerpt|dek|deck|sapo|teaser|subheadline|sub-headline|subtitle|abstract|description|"
    r"article-?lead|article-?intro|article-?summary|post-?excerpt)(?:$|[\s_-])",
    re.IGNORECASE,
)
_BYLINE_CLASS = re.compile(r"(author|byline|signature|auteur|writer|contributor)", re.IGNORECASE)
_BREADCRUMB_CLASS = re.compile(r"breadcrumb|fil-?ariane|ariane", re.IGNORECASE)
_TITLE_SEPARATORS = re.compile(r"\s+[|–—·»:-]\s+")
_MAX_JSON_LD = 1_000_000


@dataclass(slots=True)
class PageMeta:
    """What the page says about itself; every field None when the page does not say."""

    title: str | None = None
    url: str | None = None
    section: str | None = None
    author: str | None = None
    published: str | None = None
    updated: str | None = None
    language: str | None = None
    lede: str | None = None
    description: str | None = None
    site_name: str | None = None
    image: str | None = None


def strip_byline_prefix(value: str) -> str:
    """``Écrit par Juliette Robieux`` -> ``Juliette Robieux``."""
    return BYLINE_PREFIX.sub("", value, count=1).strip()


def _first(*values: object) -> str | None:
    for value in values:
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if isinstance(value, str) and (line := clean_line(value)):
            return line
    return None


# -- JSON-LD -----------------------------------------------------------------------------


def _types(node: dict[str, Any]) -> set[str]:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1].lower() for k in kinds if isinstance(k, str)}


def _json_ld_nodes(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD blocks, flattened (``@graph``, lists)."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = script.text or ""
        if len(raw) > _MAX_JSON_LD:
            continue
        try:
            data = json.loads(raw.strip().rstrip(";"))
        except (ValueError, RecursionError):
            continue
        stack: list[tuple[Any, int]] = [(data, 0)]
        while stack:
            node, depth = stack.pop()
            if depth > 6:
                continue
            if isinstance(node, list):
                stack.extend((item, depth + 1) for item in reversed(node))
            elif isinstance(node, dict):
                yield node
                for key in ("@graph", "mainEntity"):
                    if isinstance(node.get(key), list | dict):
                        stack.append((node[key], depth + 1))


def _names(value: Any) -> list[str]:
    """Person names from a JSON-LD ``author``: a string, an object, or a list of them."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items[:10]:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, list):
            name = " ".join(n for n in name if isinstance(n, str))
        if isinstance(name, str) and (line := clean_line(name)) and "://" not in line:
            if line not in names:
                names.append(line)
    return names


def _section_of(value: Any) -> str | None:
    return _first(value if isinstance(value, list) else [value])


def _read_json_ld(tree: HtmlElement, meta: PageMeta) -> None:
    article: dict[str, Any] | None = None
    page: dict[str, Any] | None = None
    crumbs: list[str] = []
    for node in _json_ld_nodes(tree):
        kinds = _types(node)
        if kinds & _ARTICLE_TYPES and article is None:
            article = node
        elif kinds & _PAGE_TYPES and page is None:
            page = node
        elif "breadcrumblist" in kinds and not crumbs:
            items = node.get("itemListElement")
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict):
                    name = item.get("name")
                    if not name and isinstance(item.get("item"), dict):
                        name = item["item"].get("name")
                    if isinstance(name, str) and (line := clean_line(name)):
                        crumbs.append(line)
    node = article or page
    if node is not None:
        meta.title = _first(node.get("headline"), node.get("name"))
        meta.section = _section_of(node.get("articleSection"))
        names = _names(node.get("author")) or _names(node.get("creator"))
        meta.author = ", ".join(names) or None
        meta.published = parse_date(node.get("datePublished") or node.get("dateCreated"))
        meta.updated = parse_date(node.get("dateModified"))
        language = node.get("inLanguage")
        meta.language = _first(language if isinstance(language, str) else None)
        meta.description = _first(node.get("description"))
        url = node.get("url")
        main = node.get("mainEntityOfPage")
        if isinstance(main, dict):
            main = main.get("@id") or main.get("url")
        meta.url = safe_url(url if isinstance(url, str) else None) or safe_url(
            main if isinstance(main, str) else None
        )
        publisher = node.get("publisher")
        if isinstance(publisher, dict):
            meta.site_name = _first(publisher.get("name"))
        if article is None:  # a WebPage node: its name is often the site, not the story
            meta.title = None
    if meta.section is None and len(crumbs) >= 2:
        # The last crumb is usually the article itself; the one before is its section.
        candidates = [c for c in crumbs[1:] if c != meta.title]
        meta.section = candidates[-1] if candidates else None


# -- meta tags ---------------------------------------------------------------------------


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    tags: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = element.get("property") or element.get("name") or element.get("itemprop")
        key = key or element.get("http-equiv")
        content = element.get("content")
        if key and content and content.strip():
            tags.setdefault(key.strip().lower(), content)
    return tags


def _read_meta_tags(tree: HtmlElement, meta: PageMeta) -> None:
    tags = _meta_tags(tree)
    get = tags.get
    meta.title = meta.title or _first(
        get("og:title"), get("twitter:title"), get("parsely-title"), get("dc.title"), get("headline")
    )
    meta.section = meta.section or _first(
        get("article:section"), get("parsely-section"), get("section"), get("og:article:section"),
        get("articlesection"),
    )
    if meta.author is None:
        authors = [
            a for a in (get("author"), get("article:author"), get("parsely-author"),
                        get("sailthru.author"), get("dc.creator"), get("byl"))
            if a and "://" not in a
        ]
        if authors:
            meta.author = _first(strip_byline_prefix(authors[0]))
    meta.published = meta.published or next(
        filter(None, (parse_date(get(k)) for k in (
            "article:published_time", "og:article:published_time", "datepublished",
            "parsely-pub-date", "sailthru.date", "pubdate", "publishdate", "publish-date",
            "date", "dc.date", "dc.date.issued", "dcterms.created", "dcterms.date",
            "article.published", "citation_publication_date",
        ))),
        None,
    )
    meta.updated = meta.updated or next(
        filter(None, (parse_date(get(k)) for k in (
            "article:modified_time", "og:updated_time", "datemodified", "dcterms.modified",
            "article.updated", "last-modified", "lastmod",
        ))),
        None,
    )
    meta.description = meta.description or _first(
        get("og:description"), get("description"), get("twitter:description")
    )
    meta.site_name = meta.site_name or _first(get("og:site_name"), get("application-name"))
    meta.image = safe_url(get("og:image")) or safe_url(get("twitter:image"))
    meta.url = meta.url or safe_url(get("og:url"))
    if meta.language is None:
        locale = get("og:locale") or get("content-language") or get("dc.language") or get("language")
        meta.language = _first(locale)


# -- visible page ------------------------------------------------------------------------


def _text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())


def _class_of(element: HtmlElement) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}"


def _in_furniture(element: HtmlElement) -> bool:
    """Inside navigation, a footer, an aside, or the site header (not an article's)."""
    for ancestor in element.iterancestors():
        if ancestor.tag in ("nav", "footer", "aside"):
            return True
        if ancestor.tag == "header":
            return not any(a.tag in ("article", "main") for a in ancestor.iterancestors())
    return False


def _visible_lede(tree: HtmlElement) -> str | None:
    for element in tree.iter("p", "div", "h2", "section", "span", "strong"):
        if not _LEDE_CLASS.search(_class_of(element)) and element.get("itemprop") != "description":
            continue
        if _in_furniture(element):
            continue
        text = clean_line(_text(element))
        if text and 40 <= len(text) <= 1500 and not DATE_LINE.match(text):
            return text
    return None


def _visible_byline(tree: HtmlElement) -> str | None:
    for element in tree.xpath('//*[@rel="author"] | //*[@itemprop="author"]'):
        name = element.find(".//*[@itemprop='name']")
        text = clean_line(_text(name if name is not None else element))
        if text and len(text) <= 100:
            return strip_byline_prefix(text)
    for element in tree.iter("span", "div", "p", "a", "address"):
        if not _BYLINE_CLASS.search(_class_of(element)) or _in_furniture(element):
            continue
        text = clean_line(_text(element))
        if text and len(text) <= 100 and not DATE_LINE.match(text):
            name = strip_byline_prefix(text)
            if name and len(name.split()) <= 8:
                return name
    return None


def _visible_dates(tree: HtmlElement, meta: PageMeta) -> None:
    for element in tree.iter("time"):
        if _in_furniture(element):
            continue
        value = parse_date(element.get("datetime") or _text(element))
        if not value:
            continue
        before = (element.getprevious().tail if element.getprevious() is not None else None) or (
            element.getparent().text if element.getparent() is not None else ""
        )
        if _UPDATED_WORDS.search(before or "") or element.get("itemprop") == "dateModified":
            meta.updated = meta.updated or value
        else:
            meta.published = meta.published or value
        if meta.published and meta.updated:
            return


def _visible_section(tree: HtmlElement, title: str | None) -> str | None:
    for element in tree.iter("nav", "ol", "ul", "div", "p"):
        if not _BREADCRUMB_CLASS.search(_class_of(element)) and element.get("aria-label") not in (
            "breadcrumb", "Breadcrumb", "Fil d'Ariane",
        ):
            continue
        crumbs = [clean_line(_text(a)) for a in element.iter("a")]
        crumbs = [c for c in crumbs[1:] if c and c != title]
        if crumbs:
            return crumbs[-1]
    return None


def _clean_title(title: str, site_name: str | None) -> str:
    """``Story | Le Petit Journal`` -> ``Story`` (only when the tail is the site)."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) > 1:
        tail = parts[-1]
        if (site_name and tail.lower() == site_name.lower()) or (
            site_name is None and len(tail) < 30 and len(parts[0]) > len(tail)
        ):
            return title[: title.rfind(tail)].rstrip(" |–—·»:-")
    return title


def _language(value: str | None) -> str | None:
    if not value:
        return None
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


def read_metadata(tree: HtmlElement, location: str | None = None) -> PageMeta:
    """Read a page's metadata; ``location`` resolves a relative canonical link."""
    meta = PageMeta()
    _read_json_ld(tree, meta)
    _read_meta_tags(tree, meta)
    base = location if location and location.startswith(("http://", "https://")) else None
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            canonical = safe_url(link.get("href"), base)
            if canonical and not canonical.startswith("mailto:"):
                meta.url = canonical
            break
    if meta.url is None and base:
        meta.url = safe_url(base)
    h1 = next((e for e in tree.iter("h1") if not _in_furniture(e) and _text(e)), None)
    if meta.title is None and h1 is not None:
        meta.title = clean_line(_text(h1))
    if meta.title is None:
        title = tree.find(".//title")
        if title is not None and (line := clean_line(title.text_content())):
            meta.title = _clean_title(line, meta.site_name)
    elif h1 is not None and meta.site_name:
        meta.title = _clean_title(meta.title, meta.site_name)
    meta.author = meta.author or _visible_byline(tree)
    if not (meta.published and meta.updated):
        _visible_dates(tree, meta)
    meta.section = meta.section or _visible_section(tree, meta.title)
    meta.language = _language(tree.get("lang") or tree.get("xml:lang") or meta.language)
    meta.lede = _visible_lede(tree)
    return meta
