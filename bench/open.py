"""How much `newsreader open` adds to the extraction library it is built on.

Runs, each in a fresh process and alternating so that machine noise hits all alike:

- `newsreader open SAMPLE.html` (Markdown output, the default);
- the bare library call: `trafilatura.extract(html)`;
- the library call that yields what `open` prints (Markdown with metadata, links,
  images and formatting).

Prints the median wall time of each and the ratios. Target: open / bare <= 1.3.

    python bench/open.py [--runs 30] [PAGE.html]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "samples" / "alibaba-datacenter-fr.html"

BARE = "import trafilatura, sys; trafilatura.extract(open(sys.argv[1], 'rb').read())"
EQUIVALENT = (
    "import trafilatura, sys; trafilatura.extract(open(sys.argv[1], 'rb').read(), "
    "output_format='markdown', with_metadata=True, include_links=True, include_images=True, "
    "include_formatting=True, include_comments=False)"
)


def commands(page: Path) -> dict[str, list[str]]:
    script = shutil.which("newsreader") or str(Path(sys.executable).with_name("newsreader"))
    return {
        "newsreader open": [script, "open", str(page)],
        "trafilatura.extract (bare)": [sys.executable, "-c", BARE, str(page)],
        "trafilatura.extract (markdown+metadata)": [sys.executable, "-c", EQUIVALENT, str(page)],
    }


def measure(runs: int, page: Path) -> dict[str, float]:
    cmds = commands(page)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for cmd in cmds.values():  # warm the page cache and the .pyc files
        subprocess.run(cmd, check=True, capture_output=True)
    for _ in range(runs):
        for name, cmd in cmds.items():
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("page", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    medians = measure(args.runs, args.page)
    for name, value in medians.items():
        print(f"{name:<42} median {value * 1000:7.1f} ms")
    ours = medians["newsreader open"]
    bare = medians["trafilatura.extract (bare)"]
    equivalent = medians["trafilatura.extract (markdown+metadata)"]
    print(f"ratio open / bare call                      {ours / bare:.2f}x  (target <= 1.3)")
    print(f"ratio open / markdown+metadata call         {ours / equivalent:.2f}x")


if __name__ == "__main__":
    main()
