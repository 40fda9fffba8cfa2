"""How the reader behaves in a real terminal: start-up, memory, opening, idle CPU.

Runs ``newsreader --offline`` in tmux (a private server, 120×36) and polls
``capture-pane`` for a known string, like a person watching the screen:

- launch → first paint (the status line) and → the list shown, with an empty cache
  and with 100,000 cached articles (``bench/store.py``'s generated store), alternated;
  target: ratio 100k / empty <= 1.2;
- peak memory (VmHWM) of both; target: 100k / empty <= 1.2;
- ``enter`` → the article visible, for a 20 KB and a 200 KB Markdown body
  (targets <= 150 ms and <= 1 s), and the same in process for Textual's ``Markdown``
  widget, which the reader does not use;
- CPU used while idle with the ticker scrolling (target <= 3 % of one core), and with
  the ticker hidden or animations off for comparison.

    python bench/tui.py [--runs 7] [--opens 7] [--idle 10] [--skip-100k]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from newsreader.ids import article_id  # noqa: E402
from newsreader.models import Article  # noqa: E402
from newsreader.store import Store  # noqa: E402

SOCKET = f"newsreader-bench-{os.getpid()}"
"""A tmux server of this run's own: two benchmarks at once (another checkout) never
stop each other's server."""
SIZE = (120, 36)
CONFIG = '[[source]]\nname = "Bench"\nurl = "http://127.0.0.1:9/feed.xml"\n'
"""One configured feed on a closed port: no demo edition, and --offline never fetches."""


def tmux(*args: str, check: bool = True) -> str:
    done = subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=check
    )
    return done.stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", "bench", check=False)


@dataclass
class Session:
    """One reader running in tmux."""

    pid: int
    started: float

    def wait_for(self, text: str, timeout: float = 60.0, poll: float = 0.002) -> float:
        """Seconds from ``started`` until ``text`` is on screen."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if text in screen():
                return time.perf_counter() - self.started
            time.sleep(poll)
        raise TimeoutError(f"{text!r} never appeared:\n{screen()}")

    def peak_memory_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks  # utime + stime

    def keys(self, *keys: str) -> None:
        tmux("send-keys", "-t", "bench", *keys)

    def quit(self) -> None:
        self.keys("q")
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and Path(f"/proc/{self.pid}").exists():
            time.sleep(0.02)
        tmux("kill-server", check=False)


def launch(data_dir: Path, *, env: dict[str, str] | None = None) -> Session:
    """Start the reader on ``data_dir`` in a fresh tmux server."""
    tmux("kill-server", check=False)
    variables = {"TERM": "xterm-256color", "COLORTERM": "truecolor", **(env or {})}
    assignments = " ".join(f"{key}={value}" for key, value in variables.items())
    command = (
        f"exec env {assignments} {sys.executable} -m newsreader --data-dir {data_dir} --offline"
    )
    started = time.perf_counter()
    tmux("new-session", "-d", "-s", "bench", "-x", str(SIZE[0]), "-y", str(SIZE[1]), command)
    pid = int(tmux("display-message", "-p", "-t", "bench", "#{pane_pid}").strip())
    return Session(pid, started)


def forget_ui_state(data_dir: Path) -> None:
    """Start every run from the top, as a first launch would."""
    with Store.open(data_dir / "newsreader.db") as store:
        store.set_ui_state("tui", None)


# -- the data --------------------------------------------------------------------------


def empty_dir(parent: Path) -> Path:
    folder = parent / "empty"
    folder.mkdir()
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    Store.open(folder / "newsreader.db").close()
    return folder


def full_dir() -> tuple[Path, str]:
    """A data dir holding the generated 100k store (copied once, migrated once)."""
    from store import cached_store  # bench/store.py

    source = cached_store(100_000, regenerate=False)
    folder = CACHE / "tui-100k"
    target = folder / "newsreader.db"
    stamp = folder / "copied-from"
    marker = f"{source.stat().st_size} {source.stat().st_mtime_ns}"
    if not target.exists() or not stamp.exists() or stamp.read_text() != marker:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        print(f"copying {source.name} to {folder} ...", file=sys.stderr)
        shutil.copyfile(source, target)
        stamp.write_text(marker)
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    with Store.open(target) as store:  # migrates once, outside the timings
        first = store.articles(limit=1)[0].title or ""
        store.set_ui_state("tui", None)
    return folder, first[:16]


def long_markdown(size: int, marker: str) -> str:
    """Realistic Markdown of ``size`` bytes: headings, lists, quotes, links, emphasis."""
    from store import Writer  # bench/store.py

    writer = Writer(seed=size)
    parts = [f"{marker} : le début de l'article, avant tout le reste."]
    total = len(parts[0])
    number = 0
    while total < size:
        number += 1
        if number % 12 == 1:
            part = f"## {writer.sentence('fr', 6)[:-1]}"
        elif number % 12 == 5:
            part = "\n".join(
                f"- {writer.sentence('fr', 10)} [lien](https://example.org/{number}/{k})"
                for k in range(4)
            )
        elif number % 12 == 8:
            part = "> " + writer.sentence("en", 30)
        else:
            part = (
                " ".join(writer.sentence("fr", 18) for _ in range(5))
                + f" **gras {number}** et *italique* [Lire aussi](https://example.org/{number})"
            )
        parts.append(part)
        total += len(part.encode("utf-8")) + 2
    return "\n\n".join(parts)


def articles_dir(parent: Path) -> Path:
    """Two articles: 20 KB (newest, first row) and 200 KB (second row)."""
    folder = parent / "articles"
    folder.mkdir()
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    now = datetime.now(UTC)
    with Store.open(folder / "newsreader.db") as store:
        store.upsert_source("Bench", kind="feed", location="http://127.0.0.1:9/feed.xml")
        items = []
        for hours, (size, marker) in enumerate(((20_000, "REPERE20K"), (200_000, "REPERE200K"))):
            body = long_markdown(size, marker)
            url = f"https://example.org/long/{size}"
            items.append(
                Article(
                    id=article_id(url),
                    title=f"Un article de {size // 1000} Ko",
                    url=url,
                    section="Bench",
                    published=(now - timedelta(hours=hours + 1)).isoformat(),
                    markdown=body,
                    text=body,
                )
            )
        store.upsert_articles("Bench", items)
    return folder


# -- measurements ----------------------------------------------------------------------


def startup(empty: Path, full: Path | None, full_title: str, runs: int) -> dict[str, float]:
    """First paint and list shown, empty vs 100k, alternated; plus peak memory."""
    cases = {"empty": (empty, "No articles here yet.")}
    if full is not None:
        cases["100k"] = (full, full_title)
    paint: dict[str, list[float]] = {name: [] for name in cases}
    listed: dict[str, list[float]] = {name: [] for name in cases}
    memory: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, (folder, text) in cases.items():
            forget_ui_state(folder)
            session = launch(folder)
            paint[name].append(session.wait_for("newsreader │"))
            listed[name].append(session.wait_for(text))
            time.sleep(1.0)  # settle: workers done, ticker running
            memory[name].append(session.peak_memory_mb())
            session.quit()
    results: dict[str, float] = {}
    for name in cases:
        results[f"first paint, {name} (ms)"] = statistics.median(paint[name]) * 1000
        results[f"list shown, {name} (ms)"] = statistics.median(listed[name]) * 1000
        results[f"peak memory, {name} (MB)"] = statistics.median(memory[name])
    if full is not None:
        for what, unit in (("first paint", "ms"), ("list shown", "ms"), ("peak memory", "MB")):
            results[f"{what}: 100k / empty"] = (
                results[f"{what}, 100k ({unit})"] / results[f"{what}, empty ({unit})"]
            )
    return results


def opening(folder: Path, opens: int) -> dict[str, float]:
    """``enter`` → the article's first line on screen, alternating the two sizes."""
    forget_ui_state(folder)
    session = launch(folder)
    session.wait_for("Un article de 20 Ko")
    times: dict[str, list[float]] = {"20 KB": [], "200 KB": []}
    try:
        for round_ in range(opens):
            for row, (name, marker) in enumerate(
                (("20 KB", "REPERE20K"), ("200 KB", "REPERE200K"))
            ):
                session.keys("k" if row == 0 else "j")
                time.sleep(0.3)
                started = time.perf_counter()
                session.keys("Enter")
                session.started = started
                times[name].append(session.wait_for(marker, timeout=30))
                time.sleep(0.5 if round_ else 1.5)  # let the layout worker finish
    finally:
        session.quit()
    return {
        f"enter → visible, {name} (ms)": statistics.median(t) * 1000 for name, t in times.items()
    }


def in_process(opens: int) -> dict[str, float]:
    """The same bodies in process: the reader's renderer vs Textual's Markdown widget."""
    from textual.app import App, ComposeResult
    from textual.widgets import Markdown

    from newsreader.tui.markdown import MarkdownStyles, layout, make_console, parse

    results: dict[str, float] = {}
    styles = MarkdownStyles()
    for size in (20_000, 200_000):
        body = long_markdown(size, "X")
        timings, firsts = [], []
        for _ in range(opens):
            started = time.perf_counter()
            document = parse(body, styles)
            lines = layout(document, 66, styles, console=make_console(66))
            for _ in range(72):
                next(lines, None)
            firsts.append(time.perf_counter() - started)
            for _ in lines:
                pass
            timings.append(time.perf_counter() - started)
        results[f"reader: parse + first 2 screens, {size // 1000} KB (ms)"] = (
            statistics.median(firsts) * 1000
        )
        results[f"reader: parse + whole layout, {size // 1000} KB (ms)"] = (
            statistics.median(timings) * 1000
        )

        class Viewer(App[None]):
            def compose(self) -> ComposeResult:
                yield Markdown()

        async def widget(body: str = body) -> float:
            app = Viewer()
            async with app.run_test(size=(120, 36)) as pilot:
                started = time.perf_counter()
                await app.query_one(Markdown).update(body)
                await pilot.pause()
                return time.perf_counter() - started

        results[f"Textual Markdown widget, {size // 1000} KB (ms)"] = asyncio.run(widget()) * 1000
    return results


def idle_cpu(parent: Path, seconds: float) -> dict[str, float]:
    """Percent of one core used while nobody touches the keyboard."""
    demo = parent / "demo"
    demo.mkdir()
    quiet = parent / "no-ticker"
    quiet.mkdir()
    (quiet / "config.toml").write_text("[reader]\nticker = false\n", encoding="utf-8")
    cases: dict[str, tuple[Path, dict[str, str]]] = {
        "ticker scrolling": (demo, {}),
        "ticker hidden": (quiet, {}),
        "ticker stepping (TEXTUAL_ANIMATIONS=none)": (demo, {"TEXTUAL_ANIMATIONS": "none"}),
    }
    results = {}
    for name, (folder, env) in cases.items():
        session = launch(folder, env=env)
        session.wait_for("Flash infos")
        time.sleep(3.0)
        before, started = session.cpu_seconds(), time.perf_counter()
        time.sleep(seconds)
        used = session.cpu_seconds() - before
        results[f"idle CPU, {name} (% of a core)"] = used / (time.perf_counter() - started) * 100
        session.quit()
    return results


def report(title: str, values: dict[str, float]) -> list[str]:
    lines = [f"\n{title}"]
    for name, value in values.items():
        lines.append(f"  {name:<58} {value:10.2f}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="launches of each store")
    parser.add_argument("--opens", type=int, default=7, help="opens of each article")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle measured")
    parser.add_argument("--skip-100k", action="store_true", help="empty store only")
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("bench/tui.py needs tmux (apt-get install tmux)", file=sys.stderr)
        return 1
    full: Path | None = None
    title = ""
    if not args.skip_100k:
        full, title = full_dir()
    lines = [f"tmux {SIZE[0]}×{SIZE[1]}; Python {sys.version.split()[0]}; medians"]
    with tempfile.TemporaryDirectory(prefix="newsreader-tui-bench-") as folder:
        parent = Path(folder)
        lines += report(
            f"start-up, {args.runs} launches each (target ratio <= 1.2)",
            startup(empty_dir(parent), full, title, args.runs),
        )
        lines += report(
            "opening an article in the terminal (targets 150 ms / 1 s)",
            opening(articles_dir(parent), args.opens),
        )
        lines += report("the same bodies in process", in_process(max(3, args.opens // 2)))
        lines += report(
            f"idle, {args.idle:g} s after settling (target <= 3 %)", idle_cpu(parent, args.idle)
        )
    tmux("kill-server", check=False)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
