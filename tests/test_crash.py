"""A bug that escapes a command: one line for the user, the traceback in a report.

No input reaches these paths once the bugs found are fixed, so each test plants one:
a real `newsreader` process whose code is changed, before it runs, to fail the way
a bug would.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from newsreader.crash import KEEP, redact, write_report
from tests.checks import FORBIDDEN
from tests.conftest import Run

SECRET_URL = "https://reader:hunter2@news.example/feed?token=s3cr3t"


def run_with_bug(tmp_path: Path, patch: str, *args: str) -> Run:
    """``newsreader ARGS`` in a fresh process after ``patch`` (Python) has run."""
    code = f"import sys\n{patch}\nfrom newsreader.cli import main\nsys.exit(main(sys.argv[1:]))\n"
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [sys.executable, "-c", code, "--data-dir", str(tmp_path), *args],
        capture_output=True,
        timeout=60,
        env=env,
        check=False,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


def only_report(tmp_path: Path) -> str:
    reports = list((tmp_path / "crashes").glob("crash-*.txt"))
    assert len(reports) == 1, reports
    assert reports[0].stat().st_mode & 0o077 == 0, "a report is private to the user"
    return reports[0].read_text("utf-8")


def test_a_bug_in_a_command_is_one_line_and_a_report(tmp_path: Path) -> None:
    patch = (
        "import newsreader.opener\n"
        "def broken(target, **options):\n"
        f"    raise RuntimeError('cannot handle {SECRET_URL}\\x1b[31m')\n"
        "newsreader.opener.open_location = broken\n"
    )
    run = run_with_bug(tmp_path, patch, "open", SECRET_URL)
    assert run.code == 1, run.stderr
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and FORBIDDEN.search(run.stderr) is None
    assert lines[0].startswith("newsreader: error: internal error (RuntimeError), a bug")
    assert f"(details in {tmp_path / 'crashes'}" in lines[0]
    report = only_report(tmp_path)
    assert "command: open" in report
    assert "Traceback (most recent call last)" in report and "RuntimeError" in report
    assert "in broken" in report
    for secret in ("hunter2", "s3cr3t", "reader:", "\x1b"):
        assert secret not in report
    assert "https://news.example/feed?…" in report


def test_a_parser_bug_is_a_parse_error_with_a_report(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text("A title\n\nA paragraph of plain text that a bug will not read.\n")
    patch = (
        "import newsreader.content.text\n"
        "def broken(text, location):\n"
        "    raise ValueError('All strings must be XML compatible')\n"
        "newsreader.content.text.parse_text_page = broken\n"
    )
    run = run_with_bug(tmp_path, patch, "open", str(page))
    assert run.code == 1 and run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(
        "newsreader: error: cannot read this document: internal error (ValueError) (details in"
    )
    assert "XML compatible" in only_report(tmp_path)


def test_reports_are_redacted_and_pruned(tmp_path: Path) -> None:
    assert redact(f"GET {SECRET_URL} failed") == "GET https://news.example/feed?… failed"
    assert redact("x" * 5000).endswith("…") and len(redact("x" * 5000)) < 1100
    for number in range(KEEP + 5):
        try:
            raise KeyError(number)
        except KeyError as error:
            assert write_report(error, data_dir=str(tmp_path), command="sync") is not None
    assert len(list((tmp_path / "crashes").glob("crash-*.txt"))) == KEEP


def test_a_report_that_cannot_be_written_is_no_second_failure(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    try:
        raise KeyError("x")
    except KeyError as error:
        assert write_report(error, data_dir=str(blocked / "data")) is None
