"""A pattern compiled on first use answers exactly as the compiled pattern would."""

from __future__ import annotations

import re

import pytest

from newsreader.startup import LazyPattern

TEXTS = ["", "Publié le 6 novembre 2025", "PHOTO: AFP / Getty Images", "a-b  c\nd", "été Été"]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize(
    ("source", "flags"),
    [
        (r"\b(?:photo|getty images)\b", re.IGNORECASE),
        (r"(?P<day>\d{1,2}) (?P<month>[a-zé]+) (?P<year>\d{4})", 0),
        (r"\s+", 0),
        (r"^été", re.IGNORECASE | re.MULTILINE),
    ],
)
def test_same_answers_as_re_compile(source: str, flags: int, text: str) -> None:
    lazy, eager = LazyPattern(source, flags), re.compile(source, flags)

    def found(match: re.Match[str] | None) -> object:
        return None if match is None else (match.span(), match.groups())

    assert found(lazy.search(text)) == found(eager.search(text))
    assert found(lazy.search(text, 3)) == found(eager.search(text, 3))
    assert found(lazy.match(text)) == found(eager.match(text))
    assert found(lazy.fullmatch(text)) == found(eager.fullmatch(text))
    assert lazy.findall(text) == eager.findall(text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in eager.finditer(text)]
    assert lazy.split(text) == eager.split(text)
    assert lazy.sub("_", text) == eager.sub("_", text)
    assert lazy.sub(lambda m: m.group(0).upper(), text, 1) == eager.sub(
        lambda m: m.group(0).upper(), text, 1
    )
    assert lazy.pattern == source and lazy.compiled.flags == eager.flags


def test_nothing_is_compiled_before_first_use() -> None:
    broken = LazyPattern("(unclosed")  # no error yet: nothing was compiled
    with pytest.raises(re.error):
        broken.search("text")
