"""Fixtures of the hostile-input tests: a dataset whose label archive is replaced, and a run of
``kdata ingest`` with everything it left behind."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.archives import OpenArchive
from tests.hostile.support import LABEL, Outcome, kdata, quarantine_rows, tree


@pytest.fixture
def hostile_dataset(sample_factory, tmp_path: Path) -> Callable[..., tuple[Path, dict[str, bytes]]]:  # type: ignore[no-untyped-def]
    """``make(build, archive=LABEL)``: a copy of a small clean dataset whose archive ``archive`` is
    replaced by ``build(members of the real one)``; returns the dataset folder and those members."""

    def make(build: Callable[[dict[str, bytes]], bytes], archive: str = LABEL) -> tuple[Path, dict[str, bytes]]:
        dataset = sample_factory(items=12, copy_to=tmp_path / "dataset")
        target = dataset / archive
        with OpenArchive(target) as real:
            members = {name: real.read(name) for name in real.names()}
        target.write_bytes(build(members))
        return dataset, members

    return make


@pytest.fixture
def ingest_outcome(kdata_home: Path, tmp_path: Path) -> Callable[[Path], Outcome]:
    """Run ``kdata ingest DATASET --json`` and collect what it left behind under ``tmp_path``."""

    def run(dataset: Path) -> Outcome:
        before = tree(tmp_path)
        result = kdata("ingest", str(dataset), "--json")
        created = tree(tmp_path) - before
        stdout = result.stdout.strip()
        parsed = json.loads(stdout) if stdout else {}
        rows = quarantine_rows() if (kdata_home / "catalog.duckdb").exists() else []
        return Outcome(result.exit_code, parsed, result.stderr, created, rows, kdata_home)

    return run
