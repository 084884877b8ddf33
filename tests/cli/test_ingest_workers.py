"""`kdata ingest --workers N`: archive units extracted in N processes give the same bytes as one process."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from kdata.cli import app
from tests.hostile.corpus import bad_crc

pytestmark = pytest.mark.integration
runner = CliRunner()


def _ingest(home: Path, dataset: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, dict[str, Any]]:
    monkeypatch.setenv("KDATA_HOME", str(home))
    result = runner.invoke(app, ["ingest", str(dataset), "--json", *extra])
    return result.exit_code, json.loads(result.stdout)


def _chunks(manifest: str) -> list[tuple[str, str, int]]:
    data = json.loads(Path(manifest).read_text(encoding="utf-8"))
    return sorted((c["key"], c["sha256"], c["rows"]) for c in data["chunks"])


def test_two_workers_publish_the_same_chunks_as_one(  # type: ignore[no-untyped-def]
    kdata_home: Path, sample_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = sample_factory(items=150)
    code_one, one = _ingest(tmp_path / "one", dataset, monkeypatch, "--workers", "1")
    code_two, two = _ingest(tmp_path / "two", dataset, monkeypatch, "--workers", "2")
    assert (code_one, code_two) == (0, 0), (one, two)
    assert one["rows"] == two["rows"] == {"train": 120, "validation": 30}
    assert len(_chunks(one["manifest"])) >= 4  # one per archive unit at least
    assert _chunks(one["manifest"]) == _chunks(two["manifest"])  # byte-identical, whatever the process count

    # as a job of the warm worker runs it: the workers forked after the plan (inheriting the source
    # indexes this process built) instead of spawned before it; the same bytes again
    from kcore import forked

    monkeypatch.setattr(forked, "allowed", lambda: True)
    code_forked, as_job = _ingest(tmp_path / "forked", dataset, monkeypatch, "--workers", "2")
    assert code_forked == 0, as_job
    assert _chunks(as_job["manifest"]) == _chunks(one["manifest"])


def test_a_bad_archive_in_a_worker_fails_the_ingest_with_exit_2(  # type: ignore[no-untyped-def]
    kdata_home: Path, sample_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dataset = sample_factory(items=150, copy_to=tmp_path / "ds")
    victim = next(dataset.rglob("TL_2.*.zip"))
    with zipfile.ZipFile(victim) as zf:
        members = {info.filename: zf.read(info) for info in zf.infolist()}
    victim.write_bytes(bad_crc(members))  # found only while a worker reads the member
    code, result = _ingest(kdata_home, dataset, monkeypatch, "--workers", "2")
    assert code == 2, result
    assert result["status"] == "rejected"
    assert "TL_2" in result["error"]
    con = duckdb.connect(str(kdata_home / "catalog.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM versions").fetchone() == (0,)
        rows = con.execute("SELECT stage, reason, archive FROM quarantine").fetchall()
    finally:
        con.close()
    assert [(stage, reason) for stage, reason, _ in rows] == [("extract", "bad_crc")]
    assert "TL_2" in rows[0][2]
