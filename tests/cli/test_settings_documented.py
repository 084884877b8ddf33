"""Every KDATA_* variable the code reads is in the README's settings table, and the table names no variable
the code no longer reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kdata", "ingest", "quality", "catalog", "storage", "schemas", "kcore", "dags", "plugins")
NAME = re.compile(r"\bKDATA_[A-Z0-9]+(?:_[A-Z0-9]+)*\b")


def _in_code() -> set[str]:
    found: set[str] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found.update(NAME.findall(path.read_text(encoding="utf-8")))
    return {name for name in found if not name.endswith("_")}  # a prefix in prose, e.g. KDATA_MAX_*


def _in_table() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Settings (환경 변수 environment variables)")
    end = text.index("\n## ", start + 1)
    rows = [line for line in text[start:end].splitlines() if line.startswith("| `KDATA_")]
    return {name for row in rows for name in NAME.findall(row.split("|")[1])}


def test_every_variable_the_code_reads_is_documented() -> None:
    code = _in_code()
    assert len(code) > 20  # the scan found the code
    assert sorted(code - _in_table()) == []


def test_the_table_names_only_variables_the_code_reads() -> None:
    assert sorted(_in_table() - _in_code()) == []
