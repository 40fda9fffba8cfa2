"""How long an article takes to read, from its plain text (``Article.text``).

Words are counted for languages that put spaces between them; Chinese and Japanese
text is counted in characters, since those scripts write words without spaces (a
sentence of forty characters is one "word" to a space-splitter). Korean separates
its words with spaces and is counted like the others.

The speeds are average silent reading rates of adults, rounded from the International
Reading Speed Texts study (Trauzettel-Klosinski and Dietz, 2012), which measured the
same texts translated into each language: it is why French and German read slower in
words per minute than English (their words are longer), not because their readers do.
"""

from __future__ import annotations

from newsreader.startup import LazyPattern

__all__ = ["reading_minutes"]

# Words per minute by primary language subtag; others use _WORDS_PER_MINUTE.
_WORD_RATES = {
    "en": 228,
    "es": 218,
    "nl": 202,
    "sv": 199,
    "fr": 195,
    "it": 188,
    "he": 187,
    "ru": 184,
    "pt": 181,
    "sl": 180,
    "de": 179,
    "pl": 166,
    "tr": 166,
    "fi": 161,
    "ar": 138,
}
_WORDS_PER_MINUTE = 200
# Characters per minute for the scripts written without spaces.
_CHARACTER_RATES = {"zh": 255, "ja": 357}
_CHARACTERS_PER_MINUTE = 300
# Han ideographs (with extension A) and Japanese kana: one character, one count.
# Compiled on first use: the store imports this module, and `newsreader open` starts often.
_CJK = LazyPattern(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = LazyPattern(r"[^\W_]+(?:['’-][^\W_]+)*")


def _primary(language: str | None) -> str:
    return (language or "").replace("_", "-").split("-")[0].lower()


def reading_minutes(text: str, language: str | None = None) -> int:
    """Minutes a reader needs for ``text``, rounded, at least 1 for any text at all
    (0 for none). ``language`` is a BCP 47 tag (``fr``, ``zh-Hant``) or None."""
    if not text or not text.strip():
        return 0
    primary = _primary(language)
    characters = 0
    if not text.isascii():
        characters = len(_CJK.findall(text))
        if characters:
            text = _CJK.sub(" ", text)
    words = len(_WORD.findall(text))
    minutes = words / _WORD_RATES.get(primary, _WORDS_PER_MINUTE)
    minutes += characters / _CHARACTER_RATES.get(primary, _CHARACTERS_PER_MINUTE)
    if minutes == 0:
        return 0
    return max(1, round(minutes))
