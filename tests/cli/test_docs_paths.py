"""The guides point at files that exist: every project path written in backticks in README.md,
ARCHITECTURE.md and BENCHMARKS.md (``kdata/run_state.py``, ``schemas/kinds/``) is in the tree. CHANGELOG.md is
history and may name files that have since moved."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDES = ("README.md", "ARCHITECTURE.md", "BENCHMARKS.md")
TOP = ("kdata", "ingest", "storage", "catalog", "quality", "schemas", "kcore", "tests", "benchmarks", "dags", "plugins")
TOP += ("deploy",)
_PATH = re.compile(r"`((?:" + "|".join(TOP) + r")/[A-Za-z0-9_./-]*)(?:::[A-Za-z0-9_\[\]-]*)?`")


def _paths(text: str) -> list[str]:
    found = []
    for match in _PATH.finditer(text):
        found.append(match.group(1).rstrip("."))
    return sorted(set(found))


@pytest.mark.parametrize("guide", GUIDES)
def test_paths_in_the_guides_exist(guide: str) -> None:
    text = (ROOT / guide).read_text(encoding="utf-8")
    paths = _paths(text)
    assert paths, f"{guide}: no project path found; the pattern is wrong"
    missing = [path for path in paths if not (ROOT / path).exists()]
    assert missing == [], f"{guide} names files that do not exist: {missing}"


def test_the_pattern_finds_what_it_should() -> None:
    text = "see `kdata/run_state.py`, `schemas/kinds/` and `tests/x.py::test_y`, not `kdata/*.py` or `other/a.py`"
    assert _paths(text) == ["kdata/run_state.py", "schemas/kinds/", "tests/x.py"]
