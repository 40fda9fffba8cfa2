"""Fuzzing that stays: every reader, and HTTP decompression, under mutated input.

Hypothesis draws the mutations (see :mod:`tests.fuzzing` for the seeds, the
mutations and the promises checked) and shrinks a failure to a small example.
Derandomized and without an example database, so a run is the same everywhere and
bounded (a few seconds a kind); ``bench/fuzz.py`` runs the same checks for as long
as asked, on new inputs each time. Floods of one token check that no reader does work
in the square of its input.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsreader.errors import NewsreaderError
from tests.fuzzing import KINDS, OP_NAMES, Case, Kind, run_case

EXAMPLES: dict[Kind, int] = {
    "html": 250,
    "feed": 600,
    "json": 600,
    "markdown": 300,
    "text": 300,
    "http": 400,
}
LIMIT = 10.0
"""Seconds one input may take before it counts as a hang (the slowest take ~0.3 s)."""


def cases(kind: Kind) -> st.SearchStrategy[Case]:
    names = OP_NAMES + ("encode",) + (("value",) * 10 if kind == "json" else ())
    op = st.tuples(
        st.sampled_from(names),
        st.floats(0, 1, exclude_max=True),
        st.integers(0, 1 << 16),
        st.integers(0, 1 << 16),
    )
    return st.builds(
        Case,
        kind=st.just(kind),
        seed=st.integers(0, 1 << 16),
        ops=st.lists(op, min_size=0 if kind == "http" else 1, max_size=8),
        as_url=st.booleans(),
        form=st.integers(0, 7),
        sizes=st.tuples(*[st.sampled_from((1, 7, 100, 4096, 65536))] * 3),
    )


@pytest.mark.parametrize("kind", KINDS)
def test_fuzz(kind: Kind) -> None:
    @settings(
        max_examples=EXAMPLES[kind],
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(case=cases(kind))
    def check(case: Case) -> None:
        outcome = run_case(case, LIMIT)
        assert outcome.verdict in ("ok", "error"), f"{outcome.verdict}: {outcome.detail}"

    check()


FLOODS: list[tuple[Kind, bytes]] = (
    [
        (kind, token)
        for kind in ("html", "markdown", "text")
        for token in (
            b"\t",
            b"    ",
            b"\n",
            b"<h1>",
            b"<div>",
            b"<li>",
            b"[",
            b"`",
            b"*a\n",
            b"&#27;]",
        )
    ]
    + [
        (kind, token)
        for kind in ("html", "feed", "markdown", "text")
        for token in (b"\xc2\x9d", b"\x1b]", b"&#x9d;", b"<pre> ")  # U+009D is OSC
    ]
    + [("feed", b"<item><title>x</title></item>"), ("json", b'"\\u009d\\u001b]",')]
)


@pytest.mark.parametrize(("kind", "token"), FLOODS, ids=[f"{k}-{t!r}" for k, t in FLOODS])
def test_a_flood_of_one_token_takes_linear_time(kind: Kind, token: bytes) -> None:
    """50 KB of one token in the middle of a document: read in well under a second
    when the work grows with the input, in minutes when it grows with its square (a
    regular expression that backtracks over a run of tabs, a walk of every nested
    heading for each heading)."""
    from tests.fuzzing import Hang, check_document, seeds, time_limit

    seed = seeds(kind)[0]
    if kind == "json":  # inside a string value, where JSON allows anything
        at = seed.index(b'"title": "') + len(b'"title": "')
        data = seed[:at] + token[1:-2] * (50_000 // len(token)) + seed[at:]
    else:
        data = seed[: len(seed) // 2] + token * (50_000 // len(token)) + seed[len(seed) // 2 :]
    try:
        with time_limit(LIMIT):
            check_document(kind, data)
    except Hang:
        pytest.fail(f"over {LIMIT:g} s")
    except NewsreaderError:
        pass  # a clean error is a fine answer
