"""Fuzz every reader (and HTTP decompression) for as long as asked.

The same seeds, mutations and checks as ``tests/test_fuzz.py`` (see
``tests/fuzzing.py``), drawn from a seeded random generator instead of Hypothesis,
in process, so that a hundred thousand inputs take minutes rather than hours:

    python bench/fuzz.py [--inputs 100000] [--seconds S] [--kinds html,feed,...]
                         [--seed 0] [--limit 10] [--jobs 1]

For each kind it prints the inputs run, the project errors (a clean one-line error is
a fine answer to a broken document), and what must stay at 0: crashes (any other
exception, or a ParseError wrapping one), hangs (an input over ``--limit`` seconds)
and unsafe outputs. Every input that is not fine is printed as a ``Case(...)`` that
``run_case`` replays. Exit status 1 when any of them is not 0.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fuzzing import KINDS, Case, Kind, Outcome, fuzz  # noqa: E402

COLUMNS = ("inputs", "errors", "crashes", "hangs", "unsafe")


def _report(case: Case, outcome: Outcome) -> None:
    print(f"  {outcome.verdict}: {outcome.detail}\n    {case!r}", file=sys.stderr, flush=True)


def run_kind(
    kind: Kind, inputs: int, seconds: float | None, seed: int, limit: float
) -> tuple[Kind, dict[str, int], float]:
    started = time.monotonic()
    counts = fuzz(kind, inputs=inputs, seconds=seconds, seed=seed, limit=limit, report=_report)
    return kind, dict(counts), time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="inputs per kind")
    parser.add_argument(
        "--seconds", type=float, default=None, help="stop each kind after S seconds"
    )
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="comma-separated, of " + ", ".join(KINDS)
    )
    parser.add_argument("--seed", type=int, default=0, help="another seed, other inputs")
    parser.add_argument(
        "--limit", type=float, default=10.0, help="seconds before an input is a hang"
    )
    parser.add_argument("--jobs", type=int, default=1, help="kinds run side by side in processes")
    args = parser.parse_args()
    kinds = [kind for kind in args.kinds.split(",") if kind]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"unknown kinds: {', '.join(unknown)}")
    print(
        f"{'kind':<9}" + "".join(f"{name:>9}" for name in COLUMNS) + f"{'seconds':>9}", flush=True
    )
    jobs = [(kind, args.inputs, args.seconds, args.seed, args.limit) for kind in kinds]
    results = []
    if args.jobs > 1:
        with ProcessPoolExecutor(args.jobs) as pool:
            for result in pool.map(run_kind, *zip(*jobs, strict=True)):
                _print_row(*result)
                results.append(result)
    else:
        for job in jobs:
            results.append(run_kind(*job))  # type: ignore[arg-type]
            _print_row(*results[-1])
    bad = sum(counts[name] for _, counts, _ in results for name in ("crash", "hang", "unsafe"))
    return 1 if bad else 0


def _print_row(kind: str, counts: dict[str, int], seconds: float) -> None:
    row = (sum(counts.values()), counts["error"], counts["crash"], counts["hang"], counts["unsafe"])
    print(f"{kind:<9}" + "".join(f"{value:>9}" for value in row) + f"{seconds:>9.0f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
