"""How fast the offline cache is with 100,000 articles.

Builds (once, cached in ``bench/.cache/``) a store of generated French and English
articles of realistic sizes, then measures, each as the median of many runs:

- in-process latency of ``list --limit 50`` (newest; one section; unread; starred),
  ``sections`` with counts, ``search`` of a common and a rare word, one article by
  id prefix, the flash headlines (target <= 20 ms each);
- insert and update throughput of a 1,000-article batch (target >= 2,000 articles/s);
- size on disk per 1,000 articles, and the share of the FTS index (external content
  compared with an FTS table that stores its own copy of the text);
- ``list --limit 50`` as a whole process with 100k articles against an empty store
  (target: ratio <= 1.2, start-up must not grow with the cache).

    python bench/store.py [--articles 100000] [--runs 40] [--regenerate]
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
sys.path.insert(0, str(ROOT / "src"))

from newsreader.ids import article_id  # noqa: E402
from newsreader.models import Article  # noqa: E402
from newsreader.store import Store  # noqa: E402
from newsreader.store.store import SEARCH_CANDIDATES  # noqa: E402

GENERATOR_VERSION = 2
"""Bump when the generated data changes, so a cached store is rebuilt."""

FRENCH = [
    "le",
    "la",
    "les",
    "un",
    "une",
    "des",
    "de",
    "du",
    "et",
    "à",
    "en",
    "dans",
    "pour",
    "par",
    "sur",
    "avec",
    "au",
    "aux",
    "qui",
    "que",
    "ne",
    "pas",
    "plus",
    "ce",
    "cette",
    "ces",
    "son",
    "sa",
    "ses",
    "leur",
    "leurs",
    "est",
    "sont",
    "a",
    "ont",
    "été",
    "être",
    "avoir",
    "fait",
    "selon",
    "après",
    "avant",
    "entre",
    "contre",
    "sous",
    "depuis",
    "pendant",
    "comme",
    "mais",
    "ou",
    "donc",
    "car",
    "aussi",
    "très",
    "gouvernement",
    "président",
    "ministre",
    "économie",
    "société",
    "données",
    "marché",
    "entreprises",
    "emploi",
    "politique",
    "réforme",
    "élection",
    "député",
    "sénat",
    "budget",
    "croissance",
    "inflation",
    "énergie",
    "climat",
    "température",
    "région",
    "ville",
    "habitants",
    "école",
    "université",
    "santé",
    "hôpital",
    "médecins",
    "réseau",
    "numérique",
    "sécurité",
    "police",
    "justice",
    "tribunal",
    "procès",
    "enquête",
    "accord",
    "négociations",
    "grève",
    "syndicat",
    "salariés",
    "retraite",
    "impôts",
    "déficit",
    "banque",
    "européenne",
    "française",
    "étrangère",
    "culture",
    "musée",
    "théâtre",
    "cinéma",
    "festival",
    "livre",
    "auteur",
    "été",
    "hiver",
    "année",
    "semaine",
    "jour",
    "matin",
    "soir",
    "nouvelle",
    "première",
    "dernière",
    "grande",
    "petite",
    "nombreux",
    "plusieurs",
    "chaque",
]
ENGLISH = [
    "the",
    "a",
    "an",
    "of",
    "and",
    "to",
    "in",
    "for",
    "on",
    "with",
    "at",
    "by",
    "from",
    "as",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "has",
    "have",
    "had",
    "that",
    "this",
    "these",
    "those",
    "it",
    "its",
    "their",
    "they",
    "he",
    "she",
    "we",
    "not",
    "but",
    "or",
    "so",
    "if",
    "than",
    "more",
    "most",
    "also",
    "after",
    "before",
    "between",
    "against",
    "under",
    "since",
    "during",
    "about",
    "over",
    "government",
    "president",
    "minister",
    "economy",
    "company",
    "data",
    "market",
    "jobs",
    "policy",
    "reform",
    "election",
    "parliament",
    "budget",
    "growth",
    "inflation",
    "energy",
    "climate",
    "weather",
    "city",
    "residents",
    "school",
    "university",
    "health",
    "hospital",
    "doctors",
    "network",
    "digital",
    "security",
    "police",
    "court",
    "trial",
    "investigation",
    "agreement",
    "talks",
    "strike",
    "union",
    "workers",
    "pension",
    "taxes",
    "deficit",
    "bank",
    "european",
    "foreign",
    "culture",
    "museum",
    "theatre",
    "film",
    "festival",
    "book",
    "author",
    "summer",
    "winter",
    "year",
    "week",
    "day",
    "morning",
    "evening",
    "new",
    "first",
    "last",
    "big",
    "small",
    "many",
    "several",
    "each",
]
SECTIONS = [
    "Monde",
    "France",
    "Économie",
    "Politique",
    "Société",
    "Culture",
    "Sport",
    "Sciences",
    "Technology",
    "World",
    "Business",
    "Opinion",
]
SYLLABLES_FR = [
    "ba",
    "bé",
    "ca",
    "ché",
    "da",
    "dé",
    "fa",
    "fé",
    "ga",
    "gé",
    "la",
    "lé",
    "ma",
    "mé",
    "na",
    "né",
    "pa",
    "pé",
    "ra",
    "ré",
    "sa",
    "sé",
    "ta",
    "té",
    "va",
    "vé",
    "zo",
    "ou",
    "an",
    "on",
    "in",
    "eu",
    "oi",
]
SYLLABLES_EN = [
    "ba",
    "be",
    "ca",
    "co",
    "da",
    "de",
    "fa",
    "fe",
    "ga",
    "ge",
    "la",
    "le",
    "ma",
    "me",
    "na",
    "ne",
    "pa",
    "pe",
    "ra",
    "re",
    "sa",
    "se",
    "ta",
    "te",
    "va",
    "ve",
    "zo",
    "oo",
    "ar",
    "on",
    "in",
    "er",
    "or",
]
COMMON_WORD = "données"
"""Appears in about a third of the French articles."""
RARE_WORD = "zygomorphique"
"""Appears in a handful of articles."""
RARE_COUNT = 7


def _vocabulary(rng: random.Random, syllables: list[str], size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


class Writer:
    """Generates article text: function words plus a Zipf-distributed vocabulary."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocab = {
            "fr": (FRENCH, _vocabulary(self.rng, SYLLABLES_FR, 30_000)),
            "en": (ENGLISH, _vocabulary(self.rng, SYLLABLES_EN, 30_000)),
        }
        self.weights = list(accumulate(1 / (rank + 1) for rank in range(30_000)))

    def words(self, language: str, count: int) -> list[str]:
        common, rare = self.vocab[language]
        picked = self.rng.choices(rare, cum_weights=self.weights, k=count // 2)
        picked += self.rng.choices(common, k=count - len(picked))
        self.rng.shuffle(picked)
        return picked

    def sentence(self, language: str, count: int) -> str:
        text = " ".join(self.words(language, count))
        return text[:1].upper() + text[1:] + "."

    def article(self, number: int, now: datetime, source: int, median_words: int = 450) -> Article:
        rng = self.rng
        language = "fr" if number % 2 else "en"
        title = self.sentence(language, rng.randint(6, 14))[:-1]
        lede = self.sentence(language, rng.randint(20, 40))
        # Body length: log-normal, median ~450 words (~3 KB), from summaries to long reads.
        length = int(min(4000, max(40, rng.lognormvariate(math.log(median_words), 0.8))))
        paragraphs = []
        while length > 0:
            size = min(length, rng.randint(40, 120))
            paragraphs.append(
                " ".join(
                    self.sentence(language, rng.randint(8, 25)) for _ in range(max(1, size // 16))
                )
            )
            length -= size
        if language == "fr" and rng.random() < 0.66:
            paragraphs[0] += f" Les {COMMON_WORD} publiées confirment la tendance."
        text = lede + "\n\n" + "\n\n".join(paragraphs)
        markdown = (
            lede
            + "\n\n"
            + "\n\n".join(
                f"{p} [Lire aussi](https://example.org/{number}/{i})" if i % 3 == 0 else p
                for i, p in enumerate(paragraphs)
            )
        )
        moment = now - timedelta(seconds=rng.randint(0, 730 * 86400))
        kind = rng.random()
        if kind < 0.05:
            published = None
        elif kind < 0.15:
            published = moment.date().isoformat()
        else:
            published = moment.astimezone().replace(microsecond=0).isoformat()
        url = f"https://news{source}.example.org/{number}"
        return Article(
            id=article_id(url),
            title=title,
            url=url,
            author="Camille Martin",
            published=published,
            language=language,
            lede=lede,
            markdown=markdown,
            text=text,
            source=f"News {source}",
            section=rng.choice(SECTIONS),
        )


def generate(path: Path, count: int, seed: int = 7) -> None:
    """Build a store of ``count`` articles from 50 sources (12 flagged flash)."""
    writer = Writer(seed)
    now = datetime(2025, 11, 6, 12, tzinfo=UTC)
    store = Store.open(path, clock=lambda: now)
    sources = 50
    for number in range(sources):
        store.upsert_source(
            f"source-{number:02d}",
            kind="feed",
            location=f"https://news{number}.example.org/rss",
            section=SECTIONS[number % len(SECTIONS)] if number % 3 else None,
            flash=number % 4 == 0,
        )
    started = time.perf_counter()
    batch: list[Article] = []
    rare_at = set(writer.rng.sample(range(count), RARE_COUNT))
    per_source = math.ceil(count / sources)
    for number in range(count):
        article = writer.article(number, now, number // per_source)
        if number in rare_at:
            article = article._replace(text=article.text + f" {RARE_WORD}.")
        batch.append(article)
        if len(batch) == 1000 or number == count - 1:
            store.upsert_articles(f"source-{number // per_source:02d}", batch)
            batch = []
            if number % 10_000 == 9_999:
                print(
                    f"  generated {number + 1:,} articles ({time.perf_counter() - started:.0f} s)",
                    file=sys.stderr,
                )
    refs = store.articles(limit=count)
    # Older articles are mostly read, a few are starred.
    store.mark_read([ref.id for ref in refs[count // 5 :] if writer.rng.random() < 0.8])
    store.set_starred([ref.id for ref in refs if writer.rng.random() < 0.003])
    store.set_ui_state("bench", {"version": GENERATOR_VERSION, "count": count, "seed": seed})
    store.close()


def cached_store(count: int, regenerate: bool) -> Path:
    """The generated store for ``count`` articles, built when missing or outdated."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"store-{count}.db"
    if path.exists() and not regenerate:
        with Store.open(path) as store:
            meta = store.ui_state("bench")
        if meta == {"version": GENERATOR_VERSION, "count": count, "seed": 7}:
            return path
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(f"generating {count:,} articles into {path} ...", file=sys.stderr)
    generate(path, count)
    return path


def median_ms(action: Callable[[], object], runs: int) -> float:
    """Median wall time of ``action`` in milliseconds, after one warm-up run."""
    action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def latencies(path: Path, runs: int) -> dict[str, float]:
    """In-process query latencies on an already opened store."""
    with Store.open(path) as store:
        section = "Économie"
        some_id = store.articles(limit=1)[0].id
        results = {
            "list --limit 50 (newest)": median_ms(lambda: store.articles(limit=50), runs),
            f"list --limit 50 --section {section}": median_ms(
                lambda: store.articles(section=section, limit=50), runs
            ),
            "list --limit 50 --unread": median_ms(
                lambda: store.articles(unread=True, limit=50), runs
            ),
            "list --limit 50 --starred": median_ms(
                lambda: store.articles(starred=True, limit=50), runs
            ),
            "list page 40 (keyset cursor)": median_ms(lambda: _page_walk(store, 40), 5) / 40,
            "sections (with counts + All/Unread/Starred)": median_ms(
                lambda: (store.sections(), store.totals()), runs
            ),
            f"search common word ({COMMON_WORD!r}, limit 50)": median_ms(
                lambda: store.search(COMMON_WORD, limit=50), runs
            ),
            f"search rare word ({RARE_WORD!r})": median_ms(
                lambda: store.search(RARE_WORD, limit=50), runs
            ),
            "article by 6-char id prefix": median_ms(lambda: store.article(some_id[:6]), runs),
            "headlines (flash sources, 20)": median_ms(
                lambda: store.headlines(20, flash_only=True), runs
            ),
        }
        hits = len(store.search(COMMON_WORD, limit=1_000_000, candidates=1_000_000))
        rare = len(store.search(RARE_WORD, limit=100))
    results["_common_hits"] = hits
    results["_rare_hits"] = rare
    return results


def _page_walk(store: Store, pages: int) -> None:
    after = None
    for _ in range(pages):
        rows = store.articles(limit=50, after=after)
        after = rows[-1]


def throughput(path: Path, batches: int = 5) -> dict[str, float]:
    """Batches of 1,000 articles, one transaction each, on a copy of the 100k store:
    ``batches`` new ones back to back (as a sync writes them), then the first one again
    with changed text (updates), then unchanged (a re-sync that finds nothing new)."""
    writer = Writer(seed=99)
    now = datetime(2025, 11, 7, tzinfo=UTC)
    fresh = [
        [writer.article(1_000_000 + 1000 * b + n, now, 99) for n in range(1000)]
        for b in range(batches)
    ]
    changed = [
        [a._replace(text=a.text + " Mise à jour.", title=f"{a.title} (mis à jour)") for a in batch]
        for batch in fresh[:3]
    ]
    deferred = [
        [writer.article(3_000_000 + 1000 * b + n, now, 99) for n in range(1000)]
        for b in range(batches)
    ]
    deferred_changed = [
        [a._replace(text=a.text + " Corrigé.", title=f"{a.title} (corrigé)") for a in batch]
        for batch in deferred[:3]
    ]
    summaries = [writer.article(2_000_000 + n, now, 99, median_words=80) for n in range(1000)]
    with tempfile.TemporaryDirectory(dir=CACHE) as folder:
        copy = Path(folder) / "copy.db"
        shutil.copyfile(path, copy)
        with Store.open(copy) as store:
            store.upsert_source("bench-batch", kind="feed", location="https://bench/rss")
            store.articles(limit=50)  # warm the cache like a running app would be

            def timed(batch: list[Article], field: str, defer: bool = False) -> float:
                started = time.perf_counter()
                (result,) = store.upsert_batches([("bench-batch", batch, None)], defer_index=defer)
                elapsed = time.perf_counter() - started
                assert getattr(result, field) == len(batch), result
                return elapsed

            inserts = [timed(batch, "new") for batch in fresh]
            short = timed(summaries, "new")
            updates = [timed(batch, "updated") for batch in changed]
            same = [timed(batch, "unchanged") for batch in changed]
            # What a sync does: the words wait for index_pending (run by search).
            deferred_inserts = [timed(batch, "new", defer=True) for batch in deferred]
            deferred_updates = [timed(batch, "updated", defer=True) for batch in deferred_changed]
            started = time.perf_counter()
            indexed = store.index_pending()
            catch_up = time.perf_counter() - started
    return {
        "insert 1,000 new, median batch (articles/s)": 1000 / statistics.median(inserts),
        f"insert 1,000 new, mean of {batches} batches (articles/s)": 1000
        / statistics.mean(inserts),
        "update 1,000 changed, median of 3 (articles/s)": 1000 / statistics.median(updates),
        "re-sync 1,000 unchanged, median of 3 (articles/s)": 1000 / statistics.median(same),
        "insert 1,000 feed summaries (~80 words) (articles/s)": 1000 / short,
        "insert 1,000 new, index deferred as sync does (articles/s)": 1000
        / statistics.median(deferred_inserts),
        "update 1,000 changed, index deferred (articles/s)": 1000
        / statistics.median(deferred_updates),
        "index_pending catch-up afterwards (articles/s)": indexed / catch_up,
    }


def sizes(path: Path, count: int) -> dict[str, float]:
    """Bytes per 1,000 articles by part of the file (SQLite's dbstat)."""
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    parts: dict[str, float] = {}
    for name, size in conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        part = (
            "FTS index"
            if name.startswith("search")
            else "bodies (lede, markdown, text)"
            if name.startswith("bodies")
            else "articles + indexes"
            if name.startswith(("articles", "sqlite_autoindex_articles"))
            else "other"
        )
        parts[part] = parts.get(part, 0) + size
    conn.close()
    total = path.stat().st_size
    result = {
        f"{part} (MB / 1,000 articles)": size / count * 1000 / 1e6
        for part, size in sorted(parts.items())
    }
    result["whole file (MB / 1,000 articles)"] = total / count * 1000 / 1e6
    result["FTS index / text stored"] = parts.get("FTS index", 0) / parts.get(
        "bodies (lede, markdown, text)", 1
    )
    return result


def fts_variants(count: int = 10_000) -> dict[str, float]:
    """MB per 1,000 articles of the FTS index: external content (ours) against an FTS
    table that keeps its own copy of title, lede and text."""
    with tempfile.TemporaryDirectory(dir=CACHE) as folder:
        path = Path(folder) / "sample.db"
        generate(path, count)
        conn = sqlite3.connect(path)
        conn.execute(
            "CREATE VIRTUAL TABLE copy USING fts5(title, lede, text,"
            " tokenize = 'unicode61 remove_diacritics 2')"
        )
        conn.execute(
            "INSERT INTO copy (rowid, title, lede, text) SELECT rid, title, lede, text FROM bodies"
        )
        conn.commit()
        conn.execute("VACUUM")
        sums = dict(
            conn.execute(
                "SELECT CASE WHEN name LIKE 'search%' THEN 'external'"
                " WHEN name LIKE 'copy%' THEN 'copy' ELSE 'rest' END, sum(pgsize)"
                " FROM dbstat GROUP BY 1"
            )
        )
        conn.close()
    return {
        "FTS external content (MB / 1,000)": sums["external"] / count * 1000 / 1e6,
        "FTS with its own copy (MB / 1,000)": sums["copy"] / count * 1000 / 1e6,
    }


def list_process_argv(data_dir: Path) -> list[str]:
    """``newsreader list --limit 50`` in a fresh process, on the cache in ``data_dir``."""
    return [
        sys.executable,
        "-m",
        "newsreader",
        "--data-dir",
        str(data_dir),
        "list",
        "--limit",
        "50",
    ]


def process_ratio(path: Path, runs: int) -> dict[str, float]:
    """Whole-process ``newsreader list --limit 50``: 100k store against an empty one,
    alternating."""
    with tempfile.TemporaryDirectory(dir=CACHE) as folder:
        full_dir, empty_dir = Path(folder) / "full", Path(folder) / "empty"
        full_dir.mkdir()
        empty_dir.mkdir()
        (full_dir / "newsreader.db").symlink_to(path.resolve())
        Store.open(empty_dir / "newsreader.db").close()
        commands = {"full": list_process_argv(full_dir), "empty": list_process_argv(empty_dir)}
        times: dict[str, list[float]] = {"full": [], "empty": []}
        for _ in range(runs):
            for name, argv in commands.items():
                started = time.perf_counter()
                subprocess.run(argv, check=True, capture_output=True)
                times[name].append(time.perf_counter() - started)
    full, empty_ms = (statistics.median(times[k]) * 1000 for k in ("full", "empty"))
    return {
        "process, 100k store (ms)": full,
        "process, empty store (ms)": empty_ms,
        "ratio 100k / empty": full / empty_ms,
    }


def _report(title: str, values: dict[str, float]) -> Iterator[str]:
    yield f"\n{title}"
    for name, value in values.items():
        if not name.startswith("_"):
            yield f"  {name:<52} {value:10.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument(
        "--skip-variants",
        action="store_true",
        help="do not build the 10k sample that compares FTS layouts",
    )
    args = parser.parse_args()
    path = cached_store(args.articles, args.regenerate)
    lat = latencies(path, args.runs)
    lines = [
        f"store: {args.articles:,} articles, {path.stat().st_size / 1e6:,.0f} MB; "
        f"SQLite {sqlite3.sqlite_version}; Python {sys.version.split()[0]}",
        f"search hits: common word {lat['_common_hits']:,} (bm25 ranks the newest "
        f"{SEARCH_CANDIDATES:,}), rare word {lat['_rare_hits']}",
    ]
    lines += _report("median latency, in process (ms; target <= 20)", lat)
    lines += _report("batch throughput (target >= 2,000 articles/s)", throughput(path))
    lines += _report("size on disk", sizes(path, args.articles))
    if not args.skip_variants:
        lines += _report("FTS layouts, 10k-article sample", fts_variants())
    lines += _report(
        "list --limit 50 as a process (median of "
        f"{max(5, args.runs // 2)} runs; target ratio <= 1.2)",
        process_ratio(path, max(5, args.runs // 2)),
    )
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
