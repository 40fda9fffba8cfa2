"""What each start-up trick of newsreader.startup is worth to `newsreader open`.

Runs `newsreader open SAMPLE.html` to a pipe, each run in a fresh process, with all
tricks on and then with each turned off in turn (patched in the process before
newsreader runs, so the product has no switch for it), alternating so that machine
noise hits all variants alike. Prints the median wall time of each and how much
slower `open` is without the trick.

    python bench/startup.py [--runs 21] [PAGE.html]
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import newsreader

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "alibaba-datacenter-fr.html"

RUN = """
import re, sys
import newsreader.startup as startup
off = sys.argv[1]
if off == "collector":
    startup.tune_collector = startup.freeze_collector = lambda: None
elif off == "bs4":
    def plain():
        from bs4 import BeautifulSoup
        return BeautifulSoup
    startup.beautifulsoup = plain
elif off == "patterns":
    startup.LazyPattern = lambda source, flags=0: re.compile(source, flags)
from newsreader.cli import main
sys.exit(main(["open", sys.argv[2]]))
"""
VARIANTS = ("all on", "collector", "bs4", "patterns")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("page", nargs="?", type=Path, default=SAMPLE)
    args = parser.parse_args()
    compileall.compile_dir(Path(newsreader.__file__).parent, quiet=1)  # as a wheel has it
    times: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, NEWSREADER_HOME=home)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for _ in range(args.runs):
            for name in VARIANTS:
                start = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-c", RUN, name, str(args.page)],
                    env=env,
                    stdout=subprocess.DEVNULL,
                    check=True,
                )
                times[name].append(time.perf_counter() - start)
    base = statistics.median(times["all on"])
    print(f"newsreader open {args.page.name}, median of {args.runs}:")
    print(f"  all tricks on          {base * 1000:6.0f} ms")
    for name in VARIANTS[1:]:
        median = statistics.median(times[name])
        print(
            f"  without {name:<14} {median * 1000:6.0f} ms   "
            f"the trick is worth {(median - base) / median * 100:4.1f} % of open"
        )


if __name__ == "__main__":
    main()
