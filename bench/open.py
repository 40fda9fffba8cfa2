"""How much `newsreader open` adds to the extraction library it is built on.

Runs, each in a fresh process and alternating so that machine noise hits all alike:

- `newsreader open SAMPLE.html` (Markdown output, the default; the article is cached
  as usual, in a temporary data dir);
- the bare library call: `trafilatura.extract(html)`;
- the library call that yields what `open` prints (Markdown with metadata, links,
  images and formatting).

Prints the median wall time of each and the ratios. Target: open / bare <= 1.3.

Before measuring, newsreader's modules are byte-compiled, as `pip install` does for
the library: in an editable install under PYTHONDONTWRITEBYTECODE every run would
otherwise compile newsreader's source again (~45 ms) while the library's stays
compiled, which no installed copy of newsreader ever pays.

    python bench/open.py [--runs 31] [PAGE.html]
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import newsreader

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "alibaba-datacenter-fr.html"
TARGET = 1.3

BARE = "import trafilatura, sys; trafilatura.extract(open(sys.argv[1], 'rb').read())"
EQUIVALENT = (
    "import trafilatura, sys; trafilatura.extract(open(sys.argv[1], 'rb').read(), "
    "output_format='markdown', with_metadata=True, include_links=True, include_images=True, "
    "include_formatting=True, include_comments=False)"
)
OPEN = "newsreader open"
BARE_NAME = "trafilatura.extract (bare)"


def commands(page: Path) -> dict[str, list[str]]:
    script = shutil.which("newsreader") or str(Path(sys.executable).with_name("newsreader"))
    return {
        OPEN: [script, "open", str(page)],
        BARE_NAME: [sys.executable, "-c", BARE, str(page)],
        "trafilatura.extract (markdown+metadata)": [sys.executable, "-c", EQUIVALENT, str(page)],
    }


def measure(runs: int, page: Path, env: dict[str, str]) -> dict[str, list[float]]:
    cmds = commands(page)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for cmd in cmds.values():  # warm the page cache, create the data dir
        subprocess.run(cmd, check=True, capture_output=True, env=env)
    for _ in range(runs):
        for name, cmd in cmds.items():
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            times[name].append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--runs", type=int, default=31)
    args = parser.parse_args()
    compileall.compile_dir(Path(newsreader.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "NEWSREADER_HOME": home}
        times = measure(args.runs, args.page, env)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(f"{name:<42} median {value * 1000:7.1f} ms")
    ours, bare = medians[OPEN], medians[BARE_NAME]
    equivalent = medians["trafilatura.extract (markdown+metadata)"]
    # The same comparison, run by run: robust to the machine speeding up or slowing
    # down during the measurement, which shifts both medians.
    paired = statistics.median(o / b for o, b in zip(times[OPEN], times[BARE_NAME], strict=True))
    print(f"ratio open / bare call                      {ours / bare:.2f}x  (target <= {TARGET})")
    print(f"  median of the run-by-run ratios           {paired:.2f}x")
    print(f"ratio open / markdown+metadata call         {ours / equivalent:.2f}x")


if __name__ == "__main__":
    main()
