"""Every KDATA_* variable the code reads is in the README's settings table, and the table names no variable
the code no longer reads. The code reads them in kcore only (tests/kcore/test_env_reads.py keeps it so):
``kcore/config.py`` builds the settings, ``kcore/limits.py`` names the archive limits' variables, and
``kcore/faults.py`` reads the fault-injection ones at import."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_MODULES = ("kcore/config.py", "kcore/limits.py", "kcore/faults.py")
NAME = re.compile(r"\bKDATA_[A-Z0-9]+(?:_[A-Z0-9]+)*\b")


def _in_code() -> set[str]:
    found: set[str] = set()
    for module in SETTINGS_MODULES:
        found.update(NAME.findall((ROOT / module).read_text(encoding="utf-8")))
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
