"""The cache under concurrent use, for as long as asked: rounds of everything at once.

    python bench/soak.py [--rounds 10] [--seconds 60] [--feeds 40] [--items 50] [--kills 20]

Each round runs, at once and for ``--seconds``: a long-lived process that uses the
cache from several threads the way the reader does (and watches that no file of the
cache it holds is deleted under it), ``sync --full-text`` and ``sync --no-full-text``
in loops against a loopback server whose 40 feeds change on every fetch, and loops of
``list``/``search``/``sections``, ``open`` and ``mark``. After each round:
``PRAGMA integrity_check``, the store's own check, and every command's output searched
for "damaged", "malformed", "locked", "disk I/O error" and tracebacks. Then ``--kills``
syncs are stopped at random moments (SIGKILL, SIGTERM and SIGINT in turn); no process
of theirs may survive and no read or starred mark may be lost. Prints one line per round and a summary; exits 1 on any
problem. The suite runs a short version (``tests/test_cache_soak.py``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.server import LoopbackServer
from tests.soak import kill_rounds, prepared_home, soak_round


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--feeds", type=int, default=40)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--kills", type=int, default=20)
    args = parser.parse_args()

    server = LoopbackServer()
    bad = 0
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="newsreader-soak-") as folder:
            home = Path(folder) / "home"
            home.mkdir()
            prepared_home(home, server, feeds=args.feeds, items=args.items)
            for number in range(1, args.rounds + 1):
                result = soak_round(home, args.seconds, seed=number)
                problems = (
                    [f"integrity {result.integrity}"] * (result.integrity != ["ok"])
                    + [f"check {result.check}"] * bool(result.check)
                    + [f"printed {line!r}" for line in result.trouble[:3]]
                    + result.failures
                    + result.reader_problems
                    + [f"{result.starred_lost} stars lost"] * bool(result.starred_lost)
                )
                bad += bool(problems)
                runs = ", ".join(f"{name} {count}" for name, count in result.runs.items())
                print(
                    f"round {number}: {result.seconds:.0f} s, {result.processes} processes, "
                    f"reader calls {result.reader_calls}, {runs}; "
                    f"{result.articles} articles; integrity {result.integrity[0]}; "
                    + ("; ".join(problems) if problems else "no problem"),
                    flush=True,
                )
            kills = kill_rounds(home, args.kills, seed=args.rounds)
            killed_ok = (
                not kills.orphans
                and kills.integrity == ["ok"]
                and not kills.starred_lost
                and not kills.read_lost
            )
            bad += not killed_ok
            print(
                f"kills: {kills.rounds} syncs stopped, {kills.helpers_seen} helper processes "
                f"seen, orphans {len(kills.orphans)}, integrity {kills.integrity[0]}, "
                f"read lost {kills.read_lost}, starred lost {kills.starred_lost}",
                flush=True,
            )
    finally:
        server.close()
    print(
        f"summary: {args.rounds} rounds of {args.seconds:g} s and {args.kills} kills in "
        f"{time.monotonic() - started:.0f} s; rounds or kill series with problems: {bad}"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
