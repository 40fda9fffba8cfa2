"""newsreader sync against newsboat, side by side, on the same loopback feeds.

For each latency (0 ms and 50 ms by default) a fresh feed server (bench/feedserver.py,
200 feeds x 50 items) is started, then, alternating the two readers:

- cold sync: an empty cache fetches and stores every feed;
- all-304 sync: the same cache again; every feed answers 304 Not Modified;

and, for newsreader only, a cold sync with full text for 1,000 articles (20 feeds x 50
items, every linked page fetched and extracted). Each figure is the median of
``--runs`` runs: wall time, CPU seconds (user + system, worker processes included)
and the peak memory of the whole process tree as PSS (proportional set size, sampled
every 10 ms: a worker process counts for the memory it adds). Request concurrency is the same for both: newsboat's
``reload-threads`` and newsreader's ``concurrency`` and ``per_host`` (every feed is on
one host).

    python bench/sync.py [--runs 3] [--latencies 0,0.05] [--threads 16] [--against SRC]

``--against`` also runs another version's cold and full-text syncs (the ``src``
folder of another checkout) alternately with this one's and prints the speed-up.

newsboat: Debian's package (``apt-get install newsboat``); it is skipped if absent.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class Sample:
    wall: float
    cpu: float
    pss_mb: float


def start_server(feeds: int, items: int, latency: float) -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "feedserver.py"),
            "--feeds",
            str(feeds),
            "--items",
            str(items),
            "--latency",
            str(latency),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line.startswith("PORT "):
        server.kill()
        raise SystemExit("feed server did not start")
    return server, int(line.split()[1])


def _tree_pss_kb(pid: int) -> int:
    """Proportional memory (PSS) of a process and all its descendants, from /proc.

    PSS shares each shared page among the processes that map it, so a worker process
    forked from the main one counts for what it adds, not twice; for a single process
    it is its RSS less its share of the shared libraries. Both readers are measured
    the same way.
    """
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as rollup:
                total += next(
                    (int(line.split()[1]) for line in rollup if line.startswith("Pss:")), 0
                )
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (OSError, ValueError):
            continue
    return total


def timed(command: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> Sample:
    """Run ``command``: wall seconds, CPU seconds (its worker processes included) and the
    peak resident memory of its whole process tree, sampled every 10 ms."""
    cpu_before = _children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_pss_kb(process.pid))
        time.sleep(0.01)
    wall = time.perf_counter() - start
    out, err = process.communicate()
    if process.returncode != 0:
        sys.stderr.write(out.decode()[-2000:] + err.decode()[-2000:])
        raise SystemExit(f"failed: {' '.join(command)}")
    return Sample(wall, _children_cpu() - cpu_before, peak / 1024)


def _children_cpu() -> float:
    """CPU seconds of the waited-for children so far (their own children included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def newsreader_home(
    root: Path, port: int, feeds: int, threads: int, full_text: str
) -> dict[str, str]:
    home = root / "newsreader"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    lines = [
        "[sync]",
        f"concurrency = {threads}",
        f"per_host = {threads}",
        f"full_text_concurrency = {threads}",
        "[cache]",
        "max_articles = 5000",
    ]
    for number in range(feeds):
        lines += [
            "[[source]]",
            f'name = "Feed {number}"',
            f'url = "http://127.0.0.1:{port}/feed/{number}.xml"',
            f'full_text = "{full_text}"',
        ]
    (home / "config.toml").write_text("\n".join(lines) + "\n")
    return dict(os.environ, NEWSREADER_HOME=str(home))


def newsboat_home(root: Path, port: int, feeds: int, threads: int) -> Path:
    home = root / "newsboat"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    (home / "urls").write_text(
        "".join(f"http://127.0.0.1:{port}/feed/{n}.xml\n" for n in range(feeds))
    )
    (home / "config").write_text(f"reload-threads {threads}\nshow-read-feeds yes\n")
    return home


def newsboat_command(home: Path) -> list[str]:
    return [
        "newsboat",
        "-u",
        str(home / "urls"),
        "-c",
        str(home / "cache.db"),
        "-C",
        str(home / "config"),
        "-x",
        "reload",
    ]


def installed_like_a_wheel() -> None:
    """Byte-compile newsreader's modules, as installing a wheel does: an editable
    install (or ``PYTHONDONTWRITEBYTECODE``) would otherwise have every run compile them
    again, which no user's sync pays."""
    import compileall

    import newsreader

    compileall.compile_dir(Path(newsreader.__file__).parent, quiet=1)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def newsreader_command() -> list[str]:
    script = shutil.which("newsreader") or str(Path(sys.executable).with_name("newsreader"))
    return [script, "sync"]


def previous_version(src: Path, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """The sync command and environment that run the newsreader found in ``src`` (the
    ``src`` folder of another checkout) with this environment's packages."""
    return [sys.executable, "-m", "newsreader", "sync"], dict(env, PYTHONPATH=str(src))


def median(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        statistics.median(s.pss_mb for s in samples),
    )


def show(label: str, sample: Sample) -> None:
    print(
        f"  {label:<34} {sample.wall:6.2f} s wall  {sample.cpu:6.2f} s CPU  "
        f"{sample.pss_mb:6.1f} MB peak"
    )


def bench_latency(latency: float, args: argparse.Namespace, root: Path) -> None:
    server, port = start_server(args.feeds, args.items, latency)
    has_newsboat = shutil.which("newsboat") is not None
    try:
        results: dict[str, list[Sample]] = {}
        for _ in range(args.runs):
            env = newsreader_home(root, port, args.feeds, args.threads, "never")
            results.setdefault("newsreader cold", []).append(timed(newsreader_command(), env))
            results.setdefault("newsreader all-304", []).append(timed(newsreader_command(), env))
            if args.against:
                env = newsreader_home(root, port, args.feeds, args.threads, "never")
                command, previous_env = previous_version(args.against, env)
                results.setdefault("previous version cold", []).append(timed(command, previous_env))
            if has_newsboat:
                home = newsboat_home(root, port, args.feeds, args.threads)
                results.setdefault("newsboat cold", []).append(timed(newsboat_command(home)))
                results.setdefault("newsboat all-304", []).append(timed(newsboat_command(home)))
        print(
            f"\n{args.feeds} feeds x {args.items} items, latency {latency * 1000:.0f} ms, "
            f"{args.threads} requests in flight, median of {args.runs}:"
        )
        medians = {name: median(samples) for name, samples in results.items()}
        for name, sample in medians.items():
            show(name, sample)
        if has_newsboat:
            for kind, target in (("cold", 0.4), ("all-304", 0.15)):
                ours, theirs = medians[f"newsreader {kind}"], medians[f"newsboat {kind}"]
                print(
                    f"  ratio {kind:<8} {ours.wall / theirs.wall:5.2f}x newsboat "
                    f"(target <= {target})   memory {ours.pss_mb - theirs.pss_mb:+.1f} MB "
                    "(target <= +40)"
                )
        if args.against:
            ours, before = medians["newsreader cold"], medians["previous version cold"]
            print(f"  cold: {before.wall / ours.wall:.2f}x as fast as the previous version")
        if latency:
            # 200 feeds, 16 at a time, each answer at least `latency` away.
            floor = args.feeds / args.threads * latency
            ours = medians["newsreader all-304"]
            print(
                f"  all-304 {ours.wall:.2f} s = {ours.wall / floor:.2f}x the latency floor "
                f"of {floor:.2f} s (target <= 1.25x)"
            )
    finally:
        server.kill()
        server.wait()


def bench_full_text(args: argparse.Namespace, root: Path) -> None:
    feeds = 1000 // args.items
    server, port = start_server(feeds, args.items, 0.0)
    try:
        samples, previous = [], []
        for _ in range(args.runs):
            env = newsreader_home(root, port, feeds, args.threads, "always")
            samples.append(timed(newsreader_command(), env))
            if args.against:
                env = newsreader_home(root, port, feeds, args.threads, "always")
                previous.append(timed(*previous_version(args.against, env)))
        print(
            f"\nfull text: {feeds} feeds x {args.items} items = {feeds * args.items} pages fetched "
            f"and extracted, latency 0 ms, median of {args.runs}:"
        )
        show("newsreader cold + full text", median(samples))
        if previous:
            show("previous version", median(previous))
            speedup = median(previous).wall / median(samples).wall
            print(f"  full text: {speedup:.2f}x as fast as the previous version (target >= 1.7)")
    finally:
        server.kill()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--latencies", default="0,0.05")
    parser.add_argument("--skip-full-text", action="store_true")
    parser.add_argument(
        "--against",
        type=Path,
        help="the src folder of another checkout (git worktree add DIR COMMIT): its cold "
        "and full-text syncs run alternately with this one's (with this environment's "
        "packages: 047c898 and earlier use httpx, in the test extra; the versions "
        "that used aiohttp need it installed by hand)",
    )
    args = parser.parse_args()
    installed_like_a_wheel()
    if args.against:
        import compileall

        compileall.compile_dir(args.against, quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for latency in (float(value) for value in args.latencies.split(",")):
            bench_latency(latency, args, root)
        if not args.skip_full_text:
            bench_full_text(args, root)


if __name__ == "__main__":
    main()
