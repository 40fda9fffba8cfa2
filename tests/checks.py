"""Assertions shared by tests: what "clean output" and "one-line error" mean."""

from __future__ import annotations

import re

from tests.conftest import Run

FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
UNSAFE_LINK = re.compile(r"(?i)(javascript|vbscript|data|file):")


def assert_clean(text: str) -> None:
    """No terminal-interpreted bytes, no script, no unsafe link target."""
    match = FORBIDDEN.search(text)
    assert match is None, f"control character {match.group()!r} in output"
    assert "<script" not in text.lower()
    assert UNSAFE_LINK.search(text) is None, UNSAFE_LINK.search(text)


def assert_one_line_error(run: Run, code: int = 1) -> str:
    """Exactly one line on stderr, the expected exit code, nothing on stdout."""
    assert run.code == code, (run.code, run.stderr)
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("newsreader: error: ")
    assert run.stdout == ""
    assert FORBIDDEN.search(run.stderr) is None, "control character in the error line"
    return lines[0]
