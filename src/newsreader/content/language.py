"""A language guess for documents that do not declare one (plain text, Markdown).

A vote of frequent function words: enough to tell apart the languages of the news
sites our readers follow, and instant. py3langid does more languages but takes over a
second to load its model, which would triple the run time of ``newsreader open`` on a
text file; HTML pages and feeds declare their language and never come here.
"""

from __future__ import annotations

import functools
import re
from collections import Counter

__all__ = ["guess_language", "primary_language"]

_COMMON_WORDS = {
    "fr": "le la les des du une est et en que qui dans pour pas sur au aux avec ce cette ses "
    "son sont été par plus il elle nous vous leur mais où ont aussi être fait comme très a",
    "en": "the of and to in is that for it with as was on are be by this have from which or "
    "at an not were has their will its been would they who also than",
    "de": "der die das und ist nicht ein eine zu den mit sich des auf für im dem von auch es "
    "werden aus er hat dass sie nach wird bei einer noch wie über",
    "es": "el la los las de que y en un una es por con para del se no al lo como más pero "
    "sus ha este esta son fue también entre sobre o",
    "it": "il di che la è per un una non con del della gli le sono si da al nel anche come ma "
    "alla dei più questo stato degli e",
    "pt": "o a os as de que e do da em um uma para com não por se na no mais dos das ao foi "
    "como mas são pelo também pela",
    "nl": "de het een van en is dat op te in zijn niet met voor aan er ook maar als bij door "
    "om dan nog wordt worden",
}


def primary_language(value: str | None) -> str | None:
    """The ISO 639 code of a declared language tag: ``fr-FR``, ``fr_FR``, ``FR`` -> ``fr``;
    None for anything that is not a language tag."""
    if not value:
        return None
    primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else None


@functools.cache
def _stopwords() -> dict[str, frozenset[str]]:
    """Each language's words that no other language here shares: "la", "de", "que"
    prove nothing. Built on first use (most documents declare their language)."""
    split = {lang: frozenset(words.split()) for lang, words in _COMMON_WORDS.items()}
    return {
        lang: words.difference(*(other for o, other in split.items() if o != lang))
        for lang, words in split.items()
    }


_WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str, *, sample: int = 20_000) -> str | None:
    """ISO 639-1 code of the likeliest language, or None when the text says too little."""
    words = Counter(word.lower() for word in _WORD.findall(text[:sample]))
    scores = {lang: sum(words[w] for w in stopwords) for lang, stopwords in _stopwords().items()}
    best, score = max(scores.items(), key=lambda item: item[1])
    total = sum(words.values())
    if score < 4 or score < total * 0.04:
        return None
    runner_up = max(s for lang, s in scores.items() if lang != best)
    return best if score >= runner_up * 1.3 else None
