"""Helpers of the quality tests: run the CLI, read the catalog, edit generated sample datasets."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from typer.testing import CliRunner, Result

from kdata.cli import app

__all__ = [
    "add_source",
    "catalog_rows",
    "edit_first_label",
    "edit_manifest",
    "ingest",
    "kdata",
    "label_archive",
    "run_summary",
    "source_archive",
    "topics",
]

_RUNNER = CliRunner()


def kdata(*args: str) -> Result:
    return _RUNNER.invoke(app, list(args))


def ingest(path: Path) -> tuple[int, dict[str, Any], Result]:
    """``kdata ingest PATH --json``: exit code, the JSON document, the raw result (for output checks)."""
    result = kdata("ingest", str(path), "--json")
    return result.exit_code, json.loads(result.stdout), result


def run_summary(report: str | Path) -> dict[str, Any]:
    """The machine-readable summary written beside ``summary.html``."""
    summary: dict[str, Any] = json.loads((Path(report).parent / "quality_summary.json").read_text(encoding="utf-8"))
    return summary


def catalog_rows(home: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(home / "catalog.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def label_archive(dataset: Path) -> Path:
    """The first Training label archive (``TL_1.<topic>.zip``), where sample faults are planted."""
    return sorted(dataset.rglob("TL_1.*.zip"))[0]


def source_archive(dataset: Path) -> Path:
    return sorted(dataset.rglob("TS_1.*.zip"))[0]


def _rewrite_zip(path: Path, mutate: Callable[[dict[str, bytes]], None]) -> None:
    with zipfile.ZipFile(path) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    mutate(members)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(members):
            zf.writestr(zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0)), members[name])


def edit_first_label(dataset: Path, edit: Callable[[dict[str, Any]], None]) -> str:
    """Apply ``edit`` to the parsed first JSON member of ``TL_1``; returns the member's name."""
    names: list[str] = []

    def mutate(members: dict[str, bytes]) -> None:
        name = sorted(n for n in members if n.endswith(".json"))[0]
        doc = json.loads(members[name])
        edit(doc)
        doc["numberOfItems"] = len(doc["data"])
        members[name] = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")
        names.append(name)

    _rewrite_zip(label_archive(dataset), mutate)
    return names[0]


def add_source(dataset: Path, member: str, text: str) -> None:
    """Add a source file to ``TS_1``."""

    def mutate(members: dict[str, bytes]) -> None:
        members[member] = text.encode("utf-8")

    _rewrite_zip(source_archive(dataset), mutate)


def edit_manifest(dataset: Path, replace: dict[str, str]) -> None:
    path = dataset / "dataset.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def topics(dataset: Path) -> list[str]:
    """Topics of a sample dataset (``TL_1.일상대화.zip`` → ``일상대화``), in archive order."""
    found = {p.name.split(".", 1)[1].removesuffix(".zip") for p in dataset.rglob("*L_*.zip")}
    return sorted(found)
