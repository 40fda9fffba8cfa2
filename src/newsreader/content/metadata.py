"""Article metadata from an HTML page: JSON-LD first, then OpenGraph and meta tags,
then what the page shows (``<h1>``, the byline, ``Publié le …, mis à jour le …``).

Structured data is what publishers maintain for search engines, so it is usually the
most exact; visible text is the fallback that every page has.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

from newsreader.content.dates import parse_date
from newsreader.content.language import primary_language
from newsreader.content.sanitize import clean_line, safe_url
from newsreader.startup import LazyPattern

__all__ = [
    "BYLINE_PREFIX",
    "DATE_LINE",
    "PageMeta",
    "fill_from_body",
    "find_headline",
    "person_name",
    "read_metadata",
    "strip_byline_prefix",
]

_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "blogposting",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "liveblogposting",
    "report",
    "scholarlyarticle",
    "techarticle",
    "socialmediaposting",
    "review",
    "askpublicnewsarticle",
    "satiricalarticle",
    "medicalscholarlyarticle",
}
_PAGE_TYPES = {"webpage", "itempage", "collectionpage", "aboutpage", "qapage", "faqpage"}
BYLINE_PREFIX = LazyPattern(
    r"^\s*(?:(?:é|e)crit\s+par|r(?:é|e)dig(?:é|e)\s+par|publi(?:é|e)\s+par|propos\s+recueillis\s+par|"
    r"par|by|written\s+by|posted\s+by|von|por|di|da|door|av|af|autor(?:in)?:?|author:?|auteur\s*:?)\s+",
    re.IGNORECASE,
)
DATE_LINE = LazyPattern(
    r"^\s*(?:publi(?:é|e)|mis\s+en\s+ligne|mis\s+à\s+jour|modifi(?:é|e)|actualis(?:é|e)|"
    r"published|posted|updated|last\s+updated|modified|veröffentlicht|aktualisiert|"
    r"publicado|actualizado|pubblicato|aggiornato)\b",
    re.IGNORECASE,
)
_UPDATED_WORDS = LazyPattern(
    r"(mis\s+à\s+jour|modifi|actualis|updated|modified|aktualisiert|ge(ä|a)ndert|actualizad|aggiornat)",
    re.IGNORECASE,
)
_LEDE_CLASS = LazyPattern(
    r"(?:^|[\s_-])(chap(?:o|ô|eau)|lede|lead|standfirst|stand-first|intro|introduction|summary|"
    r"excerpt|dek|deck|sapo|teaser|subheadline|sub-headline|subtitle|abstract|description|"
    r"article-?lead|article-?intro|article-?summary|post-?excerpt)(?:$|[\s_-])",
    re.IGNORECASE,
)
_LEDE_TAGS = frozenset({"p", "div", "h2", "section", "span", "strong"})
_NOT_LEDE_ANCESTORS = frozenset(
    {"li", "a", "figure", "figcaption", "form", "details", "dialog", "button"}
)
_NOT_LEDE_CONTENT = ".//h1|.//h2|.//h3|.//script|.//style|.//form|.//input|.//figure"
# Classes that say "about someone or something else": the site's or the author's
# description, a teaser list.
_NOT_LEDE_CLASS = LazyPattern(
    r"author|site|blog|bio\b|teaser-?list|-list\b|widget|related|image|img|photo|media|figure|"
    r"caption|credit|cookie|consent|privacy|search|modal|dialog|slider|cmplz",
    re.IGNORECASE,
)
# Boxes of other stories or about the author, whose own "intro" or "teaser" is no lede.
_TEASER_BOX = LazyPattern(
    r"sidebar|widget|related|recommend|teasers|teaser-?(?:list|box|container)|comment|promo|"
    r"newsletter|video|gallery|slider|carousel|author|popular|more-|footer|cookie|consent|"
    r"privacy|gdpr|modal|dialog|search|caption|figure|media-|image|photo|"
    r"(?:^|\s)(?:aside|box|links?)(?:$|\s)",
    re.IGNORECASE,
)
_CARD = LazyPattern(r"teaser|card", re.IGNORECASE)
_COMMENTS_CLASS = LazyPattern(
    r"(?:^|[\s_-])(?:comments?|commentlist|respond|reply|discussion)(?:$|[\s_-])", re.IGNORECASE
)
_BYLINE_CLASS = LazyPattern(r"(author|byline|signature|auteur|writer|contributor)", re.IGNORECASE)
_BREADCRUMB_CLASS = LazyPattern(r"breadcrumb|fil-?ariane|ariane", re.IGNORECASE)
_TITLE_SEPARATORS = LazyPattern(r"\s+[|–—·»«›‹:-]\s+")
_ENTITY = LazyPattern(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)
_ORGANIZATION_TYPES = {
    "organization",
    "newsmediaorganization",
    "corporation",
    "onlinebusiness",
    "website",
    "localbusiness",
    "governmentorganization",
    "educationalorganization",
    "ngo",
}
# Values of an "author" field that name no one: CMS accounts and roles.
_NO_AUTHOR = {
    "admin",
    "administrator",
    "publisher",
    "editor",
    "webmaster",
    "user",
    "guest",
    "author",
    "name",
    "unknown",
    "anonymous",
    "staff",
}
_NAME_PARTICLES = {
    "von",
    "van",
    "de",
    "da",
    "di",
    "del",
    "della",
    "le",
    "la",
    "du",
    "des",
    "der",
    "ten",
}
# Author-page links: "View all posts by Jane Doe", "Alle Beiträge von Jane Doe".
_POSTS_BY = LazyPattern(
    r"^\s*(?:(?:view|see|more) (?:all )?(?:posts|articles|stories) (?:by|from)|"
    r"(?:zeige )?alle (?:beiträge|artikel) von|(?:voir )?tous les articles (?:de|par)|"
    r"ver todas las (?:entradas|publicaciones) de|articles? by|artikel von|beitrag von)\s+",
    re.IGNORECASE,
)
# What follows a name in a byline: a date, "Stand: …", "Hace 3 horas", a label.
_BYLINE_TAIL = LazyPattern(
    r"(?:\s*[|•·,–—-]\s*|\s+(?:le|am|on|el|den|vom|the)\s+|\s+)(?=\d)|"
    r"\s+(?=(?:jan|feb|m[äa]r|apr|ma[iy]|jun|jul|aug|sep|o[ck]t|nov|de[cz])[a-zé]*\.?\s+\d)|"
    r"(?:\s+|(?<=[a-z]))(?=(?:hace|vor|il y a)\s+\d)|\s+\S+:(?:\s|$)|\s*[|(]",
    re.IGNORECASE,
)
_MAX_JSON_LD = 1_000_000
# JSON-LD wrapped as XHTML character data: "<![CDATA[ {...} ]]>", often behind "//".
_CDATA = LazyPattern(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$")


class PageMeta:
    """What the page says about itself; every field None when the page does not say.

    A plain class (the readers below fill it in field by field): a dataclass would
    cost a millisecond of code generation on every start of ``newsreader open``.
    """

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
    headline: str | None = None
    """The page's visible ``<h1>``, which may word the title differently."""
    created: str | None = None
    """When the piece was first written (JSON-LD ``dateCreated``): its publication date
    only when neither structured data nor meta tags give one."""


def strip_byline_prefix(value: str) -> str:
    """``Écrit par Juliette Robieux`` -> ``Juliette Robieux``."""
    return BYLINE_PREFIX.sub("", value, count=1).strip()


def _first(*values: object) -> str | None:
    for value in values:
        if isinstance(value, list):
            value = next((v for v in value if isinstance(v, str) and v.strip()), None)
        if isinstance(value, str) and (line := clean_line(_unescape(value))):
            return line
    return None


def _unescape(value: str) -> str:
    """``Arnault&#8217;s`` -> ``Arnault’s``: structured data often escapes twice."""
    return html.unescape(value) if _ENTITY.search(value) else value


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
            data = json.loads(_CDATA.sub("", raw).strip().rstrip(";"))
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
        if isinstance(item, dict) and _types(item) & _ORGANIZATION_TYPES:
            continue  # the publisher, not a writer
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, list):
            name = " ".join(n for n in name if isinstance(n, str))
        if isinstance(name, str) and (line := person_name(name)) and line not in names:
            names.append(line)
    return names


def person_name(value: str | None) -> str | None:
    """A byline reduced to the name(s) in it, or None when it names no one."""
    line = clean_line(_unescape(value or ""))
    if not line:
        return None
    line = _POSTS_BY.sub("", line)
    line = strip_byline_prefix(_BYLINE_TAIL.split(line, maxsplit=1)[0]).strip(" ,;|-–—→»")
    if (
        not line
        or re.search(
            r"://|@|©|\bwww\.|\.(?:com|de|fr|org|net|co\.uk)\b|\d|\*|_", line, re.IGNORECASE
        )
        or line.lower() in _NO_AUTHOR
        or len(line) > 100
        or (line[0].islower() and line.split()[0] not in _NAME_PARTICLES)
    ):
        return None  # an account name, a URL, a form label or a lowercase fragment
    return line


def _resolve_authors(node: dict[str, Any], tree: HtmlElement) -> None:
    """Replace ``{"@id": …}`` author references by the Person nodes they point to
    (the Yoast layout: the article in a ``@graph`` names its author by id)."""
    authors = node.get("author")
    items = authors if isinstance(authors, list) else [authors]
    if not any(isinstance(i, dict) and "@id" in i and "name" not in i for i in items):
        return
    by_id = {
        n["@id"]: n for n in _json_ld_nodes(tree) if isinstance(n.get("@id"), str) and "name" in n
    }
    resolved = [
        by_id.get(i["@id"], i) if isinstance(i, dict) and isinstance(i.get("@id"), str) else i
        for i in items
    ]
    node["author"] = resolved


def _section_of(value: Any) -> str | None:
    return _first(value if isinstance(value, list) else [value])


def _json_ld_title(node: dict[str, Any], tree: HtmlElement) -> str | None:
    """The article's ``headline``, or its ``name`` when the two differ and only the
    name is what the page itself shows (some sites put a description in headline)."""
    headline, name = _first(node.get("headline")), _first(node.get("name"))
    if headline and name and not _same_words(headline, name):
        shown = " ".join(
            _text(e) for e in (tree.find(".//title"), find_headline(tree)) if e is not None
        )
        words = f" {' '.join(_words_of(shown))} "
        if f" {' '.join(_words_of(name))} " in words and (
            f" {' '.join(_words_of(headline))} " not in words
        ):
            return name
    return headline or name


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
    chosen = article or page
    if chosen is not None:
        _resolve_authors(chosen, tree)
        meta.title = _json_ld_title(chosen, tree)
        meta.section = _section_of(chosen.get("articleSection"))
        names = _names(chosen.get("author")) or _names(chosen.get("creator"))
        meta.author = ", ".join(names) or None
        meta.published = parse_date(chosen.get("datePublished"))
        meta.created = parse_date(chosen.get("dateCreated"))
        meta.updated = parse_date(chosen.get("dateModified"))
        language = chosen.get("inLanguage")
        meta.language = _first(language if isinstance(language, str) else None)
        meta.description = _first(chosen.get("description"))
        url = chosen.get("url")
        main = chosen.get("mainEntityOfPage")
        if isinstance(main, dict):
            main = main.get("@id") or main.get("url")
        meta.url = safe_url(url if isinstance(url, str) else None) or safe_url(
            main if isinstance(main, str) else None
        )
        publisher = chosen.get("publisher")
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
        get("og:title"),
        get("twitter:title"),
        get("parsely-title"),
        get("dc.title"),
        get("headline"),
    )
    meta.section = meta.section or _first(
        get("article:section"),
        get("parsely-section"),
        get("section"),
        get("og:article:section"),
        get("articlesection"),
    )
    if meta.author is None:
        authors = [
            a
            for a in (
                get("author"),
                get("article:author"),
                get("parsely-author"),
                get("sailthru.author"),
                get("dc.creator"),
                get("byl"),
            )
            if a and "://" not in a
        ]
        if authors:
            meta.author = person_name(authors[0])
    meta.published = meta.published or next(
        filter(
            None,
            (
                parse_date(get(k))
                for k in (
                    "article:published_time",
                    "og:article:published_time",
                    "datepublished",
                    "parsely-pub-date",
                    "sailthru.date",
                    "pubdate",
                    "publishdate",
                    "publish-date",
                    "date",
                    "dc.date",
                    "dc.date.issued",
                    "dcterms.created",
                    "dcterms.date",
                    "article.published",
                    "citation_publication_date",
                )
            ),
        ),
        None,
    )
    meta.updated = meta.updated or next(
        filter(
            None,
            (
                parse_date(get(k))
                for k in (
                    "article:modified_time",
                    "og:updated_time",
                    "datemodified",
                    "dcterms.modified",
                    "article.updated",
                    "last-modified",
                    "lastmod",
                )
            ),
        ),
        None,
    )
    meta.description = meta.description or _first(
        get("og:description"), get("description"), get("twitter:description")
    )
    meta.site_name = meta.site_name or _first(get("og:site_name"), get("application-name"))
    meta.image = safe_url(get("og:image")) or safe_url(get("twitter:image"))
    meta.url = meta.url or safe_url(get("og:url"))
    if meta.language is None:
        locale = (
            get("og:locale") or get("content-language") or get("dc.language") or get("language")
        )
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


def _in_teaser(element: HtmlElement) -> bool:
    """Inside a list item or a box of other stories (related, sidebar, author, video)."""
    for ancestor in element.iterancestors():
        if ancestor.tag in ("article", "main", "body"):
            # An <article> can itself be a card in a list of other stories.
            return ancestor.tag == "article" and bool(_CARD.search(_class_of(ancestor)))
        if ancestor.tag in _NOT_LEDE_ANCESTORS or _TEASER_BOX.search(_class_of(ancestor)):
            return True
    return False


def _link_share(element: HtmlElement, text: str) -> float:
    linked = sum(len(_text(a)) for a in element.iter("a"))
    return linked / len(text) if text else 0.0


def _visible_lede(tree: HtmlElement, h1: HtmlElement | None) -> str | None:
    """The standfirst: a lede-like class after the headline, outside boxes of links."""
    after_h1 = h1 is None
    for element in tree.iter():
        if element is h1:
            after_h1 = True
            continue
        if not after_h1 or element.tag not in _LEDE_TAGS:
            continue
        kind = _class_of(element)
        if not _LEDE_CLASS.search(kind) and element.get("itemprop") != "description":
            continue
        if _NOT_LEDE_CLASS.search(kind) or _in_furniture(element) or _in_teaser(element):
            continue
        if element.xpath(_NOT_LEDE_CONTENT):
            continue  # a card with its own headline (a teaser for another story), a form
        text = clean_line(_text(element))
        if (
            text
            and 40 <= len(text) <= 1500
            and len(text.split()) >= 6
            and not DATE_LINE.match(text)
            and not (len(text) < 120 and parse_date(text))
            and _link_share(element, text) < 0.5
        ):
            return text
    return None


def _in_comments_or_form(element: HtmlElement) -> bool:
    """Inside a comment thread or a form, whose "author" fields are readers' names."""
    for ancestor in element.iterancestors():
        if ancestor.tag in ("form", "label", "body"):
            return bool(ancestor.tag != "body")
        if _COMMENTS_CLASS.search(_class_of(ancestor)):
            return True
    return False


def _described_lede(
    tree: HtmlElement, h1: HtmlElement | None, description: str | None
) -> str | None:
    """The paragraph right under the headline when it is the page's own description:
    a standfirst whatever its class is called."""
    if h1 is None or not description or len(description) < 40:
        return None
    wanted = _words_of(description.rstrip(".…"))
    for count, element in enumerate(h1.itersiblings() if h1.getparent() is not None else ()):
        if count > 3:
            break
        for candidate in (element, *element.iterdescendants("p", "div", "span")):
            text = clean_line(_text(candidate))
            if text and 40 <= len(text) <= 1500 and _words_of(text)[: len(wanted)] == wanted:
                return text
    return None


def _without_byline(lede: str, author: str) -> str:
    """``Standfirst. Von Jane Doe 19. Oktober 2019`` -> ``Standfirst.``: a header
    block matched as the lede can carry the byline and the date after it."""
    found = re.search(rf"\s(?:von|by|par|por|di|door|av)\s+{re.escape(author)}\b", lede, re.I)
    if found and found.start() >= 40:
        return lede[: found.start()].rstrip()
    return lede


def _words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _visible_byline(tree: HtmlElement, site_name: str | None) -> str | None:
    for element in tree.xpath('//*[@rel="author"] | //*[@itemprop="author"]'):
        if _in_comments_or_form(element):
            continue
        name = element.find(".//*[@itemprop='name']")
        text = clean_line(_text(name if name is not None else element))
        person = person_name(text) if text and len(text) <= 100 else None
        if person and not (site_name and _same_words(person, site_name)):
            return person
    for element in tree.iter("span", "div", "p", "a", "address"):
        kind = _class_of(element)
        if not _BYLINE_CLASS.search(kind) or _COMMENTS_CLASS.search(kind):
            continue
        if _in_furniture(element) or _in_comments_or_form(element):
            continue
        text = clean_line(_text(element))
        if text and len(text) <= 100 and not DATE_LINE.match(text):
            name = person_name(text)
            if name and len(name.split()) <= 8 and not (site_name and _same_words(name, site_name)):
                return name
    return None


def _visible_dates(tree: HtmlElement, meta: PageMeta) -> None:
    for element in tree.iter("time"):
        if _in_furniture(element):
            continue
        value = parse_date(element.get("datetime") or _text(element))
        if not value:
            continue
        previous, parent = element.getprevious(), element.getparent()
        before = (previous.tail if previous is not None else None) or (
            parent.text if parent is not None else ""
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
            "breadcrumb",
            "Breadcrumb",
            "Fil d'Ariane",
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


def _same_words(one: str, other: str) -> bool:
    return re.findall(r"\w+", one.lower()) == re.findall(r"\w+", other.lower())


def _without_site(author: str, site_name: str) -> str | None:
    """``Le Journal - Jane Doe`` -> ``Jane Doe``; None when the author is the site."""
    parts = [p for p in re.split(r"\s+[|–—-]\s+", author) if not _same_words(p, site_name)]
    return " - ".join(parts) or None


def _guessed_date(tree: HtmlElement, url: str | None) -> str | None:
    """htmldate's reading of the page (URL, markup, visible dates): trafilatura's own
    date finder, already loaded with it; its quick mode, which takes about 1 ms."""
    from htmldate import find_date

    try:
        found = find_date(tree, url=url, original_date=True, extensive_search=False)
    except (ValueError, TypeError):
        return None
    return parse_date(found) if found else None


def fill_from_body(lines: list[str], meta: PageMeta) -> None:
    """Take a byline or a date line that opens the article body (``By Jane Doe``,
    ``Updated: 12 May 2024``) as the author or date the page's markup did not give."""
    for line in lines:
        if len(line) > 160:
            continue
        if meta.author is None and BYLINE_PREFIX.match(line) and len(line.split()) <= 8:
            meta.author = person_name(line)
        elif DATE_LINE.match(line) and (day := parse_date(line)):
            if _UPDATED_WORDS.search(line):
                meta.updated = meta.updated or day
            else:
                meta.published = meta.published or day


def find_headline(tree: HtmlElement) -> HtmlElement | None:
    """The story's ``<h1>``: the first one outside navigation, footers and asides."""
    return next((e for e in tree.iter("h1") if not _in_furniture(e) and _text(e)), None)


def read_metadata(tree: HtmlElement, location: str | None = None) -> PageMeta:
    """Read a page's metadata; ``location`` resolves a relative canonical link."""
    meta = PageMeta()
    _read_json_ld(tree, meta)
    _read_meta_tags(tree, meta)
    meta.published = meta.published or meta.created
    base = location if location and location.startswith(("http://", "https://")) else None
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            canonical = safe_url(link.get("href"), base)
            if canonical and not canonical.startswith("mailto:"):
                meta.url = canonical
            break
    if meta.url is None and base:
        meta.url = safe_url(base)
    h1 = find_headline(tree)
    meta.headline = clean_line(_text(h1)) if h1 is not None else None
    # A title from structured data or meta tags is kept as the publisher wrote it
    # (site name included when they put it there); only the document's <title>,
    # which carries the site's name by habit, is cut down to the story's.
    if meta.title is None and h1 is not None:
        meta.title = clean_line(_text(h1))
    if meta.title is None:
        title = tree.find(".//title")
        if title is not None and (line := clean_line(title.text_content())):
            meta.title = _clean_title(line, meta.site_name)
    if meta.author and meta.site_name:
        meta.author = _without_site(meta.author, meta.site_name)
    meta.author = meta.author or _visible_byline(tree, meta.site_name)
    if not (meta.published and meta.updated):
        _visible_dates(tree, meta)
    if meta.published is None:
        meta.published = _guessed_date(tree, base)
    meta.section = meta.section or _visible_section(tree, meta.title)
    meta.language = primary_language(tree.get("lang") or tree.get("xml:lang") or meta.language)
    meta.lede = _visible_lede(tree, h1) or _described_lede(tree, h1, meta.description)
    if meta.lede and meta.author:
        meta.lede = _without_byline(meta.lede, meta.author)
    return meta
