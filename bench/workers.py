"""The sync's parser processes on their own: start, first answers, large answers, close.

``python bench/workers.py [--runs 8]`` starts a pool of two workers (as a sync does,
with the parser modules preloaded), waits for four trivial answers, then for 200
answers of 400 KB (the size of a big feed's batch), and closes the pool. It prints the
median of each step over the runs. Put another checkout first on ``PYTHONPATH`` to
measure that version the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import time

from newsreader.processes import WorkerPool
from newsreader.sources.feed import PARSER_MODULES

ANSWER = b"x" * 400_000


async def _once() -> tuple[float, float, float, float]:
    began = time.perf_counter()
    pool = WorkerPool(2, preload=PARSER_MODULES)
    await pool.start()
    started = time.perf_counter()
    await asyncio.gather(*(pool.run(math.sqrt, 4.0) for _ in range(4)))
    first = time.perf_counter()
    for _ in range(50):
        await asyncio.gather(*(pool.run(bytes, ANSWER) for _ in range(4)))
    answered = time.perf_counter()
    await pool.close()
    closed = time.perf_counter()
    return started - began, first - started, answered - first, closed - answered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    runs = parser.parse_args().runs
    rows = [asyncio.run(_once()) for _ in range(runs)]
    names = ("start", "first answers", "200 answers of 400 KB", "close")
    for name, column in zip(names, zip(*rows, strict=True), strict=True):
        print(f"{name:>22}: {statistics.median(column) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
