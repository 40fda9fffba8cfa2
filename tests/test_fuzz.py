"""Fuzzing that stays: every reader, and HTTP decompression, under mutated input.

Hypothesis draws the mutations (see :mod:`tests.fuzzing` for the seeds, the
mutations and the promises checked) and shrinks a failure to a small example.
Derandomized and without an example database, so a run is the same everywhere and
bounded (a few seconds a kind); ``bench/fuzz.py`` runs the same checks for as long
as asked, on new inputs each time.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
