"""Fixtures for the domain tests: generated datasets of every sample kind, and extraction without GX."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kcore.config import load_settings
from kdata import pipeline
from kdata.samples import write_samples
from kdata.samples.layout import ArchiveOptions


@pytest.fixture(scope="session")
def make_samples(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Generate (once per session and arguments) a dataset of ``kind``; ``copy_to`` gives a private copy."""
    cache: dict[tuple[Any, ...], Path] = {}

    def make(
        kind: str,
        items: int = 8,
        layout: str = "classic",
        inject: str | None = None,
        seed: int = 5,
        options: ArchiveOptions | None = None,
        copy_to: Path | None = None,
    ) -> Path:
        key = (kind, items, layout, inject, seed, options)
        if key not in cache:
            folder = tmp_path_factory.mktemp("domain-samples") / f"{kind}-{layout}-{inject or 'clean'}"
            cache[key] = write_samples(
                kind, folder, items=items, layout=layout, seed=seed, inject=inject, options=options
            )
        if copy_to is None:
            return cache[key]
        shutil.copytree(cache[key], copy_to)
        return copy_to

    return make


class Extracted:
    """The outcome of plan + extract (no quality stage): per-unit results and the records."""

    def __init__(self, home: Path, run_id: str) -> None:
        self.run_dir = home / "runs" / run_id
        self.plan = json.loads((self.run_dir / "plan.json").read_text(encoding="utf-8"))
        self.units = [
            json.loads(p.read_text(encoding="utf-8")) for p in sorted((self.run_dir / "units").glob("*.json"))
        ]

    @property
    def problems(self) -> list[dict[str, Any]]:
        return [p for u in self.units for p in u["problems"]]

    def rows(self) -> dict[str, int]:
        rows: dict[str, int] = {}
        for unit in self.units:
            for chunk in unit["chunks"]:
                rows[chunk["split"]] = rows.get(chunk["split"], 0) + chunk["rows"]
        return rows

    def table(self, columns: list[str] | None = None) -> pa.Table:
        files = [self.run_dir / "chunks" / c["key"] for u in self.units for c in u["chunks"]]
        return pa.concat_tables([pq.read_table(f, columns=columns) for f in files])


@pytest.fixture
def extract(kdata_home: Path):  # type: ignore[no-untyped-def]
    """``extract(dataset_path) -> Extracted``: plan and read every label archive into chunks."""

    def run(dataset: Path) -> Extracted:
        settings = load_settings()
        planned = pipeline.plan_run(settings, str(dataset))
        for index in range(planned["units"]):
            pipeline.extract_unit(settings, planned["run_id"], index)
        return Extracted(kdata_home, planned["run_id"])

    return run
