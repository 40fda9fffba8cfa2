"""The demo edition: a small bundled newspaper shown when no source is configured.

A local folder (its subfolders are the sections) with the page newsreader was born
from and a few short original articles, plus a flash-info JSON Feed for the ticker, so
that the very first run shows real content, offline.
"""

from __future__ import annotations

from pathlib import Path

from newsreader.config import SourceConfig

__all__ = ["DEMO_DIR", "demo_sources"]

DEMO_DIR = Path(__file__).resolve().parent


def demo_sources() -> tuple[SourceConfig, ...]:
    """The sources of the demo edition."""
    return (
        SourceConfig(name="Le Petit Journal (démo)", path=str(DEMO_DIR / "edition")),
        SourceConfig(
            name="Flash infos (démo)",
            path=str(DEMO_DIR / "flash.json"),
            section="Flash infos",
            flash=True,
        ),
    )
