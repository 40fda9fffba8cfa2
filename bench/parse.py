"""A feed's parse, step by step: where a cold sync's parser processes spend their time.

``python bench/parse.py [--feeds 200] [--items 50] [--passes 3]`` parses the feeds of
``bench/feedserver.py`` (built here, no server) in this process, as a parser process
does, and prints for each pass the milliseconds each step took over all the feeds.
The steps overlap: ``parse_xml_feed`` includes ``prepare_xml``, ``fastfeedparser`` and
``dates``; ``parse_feed`` is the whole call a worker answers (``pickle`` apart). Put
another checkout first on ``PYTHONPATH`` to measure that version the same way.
"""

from __future__ import annotations

import argparse
import pickle
import time
from collections.abc import Callable
from typing import Any

import fastfeedparser

from feedserver import make_feed
from newsreader.content import feed as feeds
from newsreader.content.charset import decode
from newsreader.models import RawDocument
from newsreader.sources.feed import articles_of, parse_feed
from newsreader.store import prepare_batch

BASE = "http://127.0.0.1:8000"


def _timer(spent: dict[str, float]) -> Callable[..., Any]:
    """``step(name, function, *args)``: the call's result; its time added to ``spent``."""

    def step(name: str, function: Callable[..., Any], *call: Any) -> Any:
        began = time.perf_counter()
        result = function(*call)
        spent[name] = spent.get(name, 0.0) + time.perf_counter() - began
        return result

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    raws = [
        RawDocument(
            make_feed(n, args.items, BASE),
            f"{BASE}/feed/{n}.xml",
            "application/rss+xml",
            "utf-8",
            True,
        )
        for n in range(args.feeds)
    ]
    parse_feed(raws[0], "never")  # the imports, and the patterns compiled
    for _ in range(args.passes):
        spent: dict[str, float] = {}
        step = _timer(spent)
        for raw in raws:
            text = step("decode", decode, raw.body, raw.charset)
            data = step("prepare_xml", feeds.prepare_xml, text)
            entries = step("fastfeedparser", fastfeedparser.parse, data)["entries"]
            step("dates", feeds._dates, text, data, entries, None)
            document = step("parse_xml_feed", feeds.parse_xml_feed, text, raw.location)
            articles = step("articles_of", articles_of, document, raw)
            batch = step("prepare_batch", prepare_batch, articles)
            step("pickle", pickle.dumps, batch, pickle.HIGHEST_PROTOCOL)
            step("parse_feed", parse_feed, raw, "never")
        print("  ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in spent.items()))


if __name__ == "__main__":
    main()
