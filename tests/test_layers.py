"""The layers hold: checked for every module, in a fresh interpreter each.

- Nothing outside ``tui/`` loads Textual (or Rich, which comes with it), so the headless
  commands start fast and run where no terminal UI could.
- Nothing outside ``store/`` imports ``sqlite3``: one place speaks SQL.
- ``content/`` does no I/O: it imports no network, process or database module, so its
  functions can be tested and fuzzed as pure functions.

Importing a module runs the imports at its top; the checks look at ``sys.modules``
afterwards, so an indirect import counts too. Imports done later, inside functions, are
checked by reading the source: no ``import`` of a forbidden module anywhere in the file.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "newsreader"

MODULES = sorted(
    ".".join(("newsreader", *path.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")
    for path in SRC.rglob("*.py")
    if path.name != "__main__.py"
)

IO_MODULES = {
    "socket",
    "ssl",
    "http",
    "urllib.request",
    "httpx",
    "httpcore",
    "aiohttp",
    "pycurl",
    "sqlite3",
    "subprocess",
    "multiprocessing",
    "asyncio",
    "shutil",
    "tempfile",
}
"""What content/ may not import (os and pathlib are used for names, never for I/O there)."""


_LIBCURL = {
    "newsreader.sources.curl",  # one request: its options, its answer
    "newsreader.sources.transfer",  # requests driven by the event loop
    "newsreader.sources.head_start",  # requests driven by the sync's forked helper
}


def _loaded_forbidden(module: str) -> set[str]:
    """What importing ``module`` may not load, even indirectly."""
    rules = set()
    if not module.startswith("newsreader.tui"):
        rules |= {"textual", "rich"}
    if module.startswith("newsreader.content"):
        rules |= IO_MODULES
    return rules


def _imported_forbidden(module: str) -> set[str]:
    """What ``module`` may not import itself, anywhere in its source."""
    rules = _loaded_forbidden(module)
    if not module.startswith("newsreader.store"):
        rules.add("sqlite3")
    if module not in _LIBCURL:
        rules.add("pycurl")  # these speak libcurl; the rest asks sources/http.py
    if module.startswith("newsreader.content"):
        rules |= {"newsreader.sources", "newsreader.store", "newsreader.sync"}
    return rules


def _source_of(module: str) -> Path:
    path = SRC.joinpath(*module.split(".")[1:])
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _loads(module: str) -> str:
    forbidden = sorted(_loaded_forbidden(module))
    code = (
        "import sys\n"
        f"import {module}\n"
        f"bad = sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.')"
        f" for f in {forbidden!r}))\n"
        "print(' '.join(bad))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    if done.returncode != 0:
        return f"{module}: import failed: {done.stderr.strip().splitlines()[-1:]}"
    return f"{module} loads {done.stdout.strip()}" if done.stdout.strip() else ""


def test_importing_any_module_loads_nothing_across_a_layer() -> None:
    """Each module in a fresh interpreter (several at once: this is the slow check)."""
    checked = [m for m in MODULES if _loaded_forbidden(m)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        problems = [line for line in pool.map(_loads, checked) if line]
    assert problems == []
    assert len(checked) > 40  # the walk found the package


@pytest.mark.parametrize("module", MODULES)
def test_no_later_import_crosses_a_layer(module: str) -> None:
    forbidden = _imported_forbidden(module)
    tree = ast.parse(_source_of(module).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.add(node.module)
    crossing = sorted(
        name for name in imported if any(name == f or name.startswith(f + ".") for f in forbidden)
    )
    assert crossing == [], f"{module} imports {crossing}"


def test_the_drawn_error_tree_is_the_real_one() -> None:
    """errors.py draws its exception tree for the reader of the code: every class, under
    its real parent."""
    import inspect
    import re

    from newsreader import errors

    drawn: dict[str, str] = {}
    parents: list[str] = []
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^ {4}((?:│   |    )*)(?:├── |└── )?([A-Z]\w+Error)\b", line)
        if not match:
            continue
        depth = len(match.group(1)) // 4 + (1 if "── " in line else 0)
        parents[depth:] = [match.group(2)]
        drawn[match.group(2)] = parents[depth - 1] if depth else ""
    real = {
        cls.__name__: (cls.__bases__[0].__name__ if cls is not errors.NewsreaderError else "")
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.NewsreaderError)
    }
    assert drawn == real
    assert sorted(errors.__all__) == sorted(real)
