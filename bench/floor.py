"""An all-304 sync against the least any client can take for the same requests.

``python bench/floor.py [--runs 6] [--latency 0.05]`` starts the feed server of
``bench/sync.py`` (200 feeds, every request answered after ``--latency``), syncs once
to fill a cache and write the next sync's plan (``sync-plan.txt``), then alternates:

- ``newsreader sync``: every feed answers 304;
- a bare client: the same requests (the plan's URLs and header lines), sixteen at a
  time on one libcurl multi handle, in a process that does nothing else.

Both are timed from the process's start to its end. It prints the range of each and
the latency floor (200 ÷ 16 × latency): what separates the bare client from the floor
is the server's and the connections', not newsreader's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FEEDS = 200
IN_FLIGHT = 16


def plan_requests(plan: Path) -> list[tuple[str, list[str]]]:
    """The (url, header lines) of each request in a sync plan, in order."""
    requests: list[tuple[str, list[str]]] = []
    for line in plan.read_text().splitlines():
        if line.startswith("request "):
            requests.append((line.split()[3], []))
        elif line.startswith("header ") and requests:
            requests[-1][1].append(line.removeprefix("header "))
    return requests


def bare_client(plan: Path) -> None:
    """Send the plan's requests, IN_FLIGHT at a time; exit non-zero unless all are 304."""
    import pycurl

    pending = plan_requests(plan)
    multi = pycurl.CurlMulti()
    idle = [pycurl.Curl() for _ in range(IN_FLIGHT)]
    running, not_modified = 0, 0
    while pending or running:
        while idle and pending:
            handle = idle.pop()
            url, headers = pending.pop(0)
            handle.setopt(pycurl.URL, url)
            handle.setopt(pycurl.HTTPHEADER, headers)
            handle.setopt(pycurl.WRITEFUNCTION, len)
            multi.add_handle(handle)
            running += 1
        multi.perform()
        multi.select(1.0)
        while True:
            queued, done, failed = multi.info_read()
            for handle in [*done, *(entry[0] for entry in failed)]:
                not_modified += handle.getinfo(pycurl.RESPONSE_CODE) == 304
                multi.remove_handle(handle)
                idle.append(handle)
                running -= 1
            if not queued:
                break
    sys.exit(0 if not_modified == FEEDS else 1)


def timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--client", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        bare_client(args.client)
        return
    # Imported here: the bare client's process imports nothing it does not need.
    from sync import installed_like_a_wheel, newsreader_command, newsreader_home, start_server

    installed_like_a_wheel()
    server, port = start_server(FEEDS, 50, args.latency)
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = newsreader_home(Path(folder), port, FEEDS, IN_FLIGHT, "never")
            plan = Path(env["NEWSREADER_HOME"]) / "sync-plan.txt"
            client = [sys.executable, os.path.abspath(__file__), "--client", str(plan)]
            subprocess.run(newsreader_command(), env=env, check=True, capture_output=True)
            ours, bare = [], []
            for _ in range(args.runs):
                ours.append(timed(newsreader_command(), env))
                bare.append(timed(client, env))
    finally:
        server.kill()
    floor = FEEDS / IN_FLIGHT * args.latency
    print(f"{FEEDS} feeds, all 304, latency {args.latency * 1000:.0f} ms, {args.runs} runs each:")
    print(f"  newsreader sync   {min(ours):.2f}-{max(ours):.2f} s")
    print(f"  bare client       {min(bare):.2f}-{max(bare):.2f} s")
    print(f"  latency floor     {floor:.3f} s")


if __name__ == "__main__":
    main()
