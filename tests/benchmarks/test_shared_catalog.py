"""benchmarks.shared_catalog on a tiny catalog: both backends measured, every figure positive, the same results."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import shared_catalog


def test_tiny_run_measures_both_backends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KDATA_ADMINS", "bench")
    monkeypatch.delenv("KDATA_CATALOG", raising=False)
    result = shared_catalog.run(tmp_path, size=20, registrations_n=2, rounds=1, runs=1, session_runs=1, warm=False)
    assert result["size"] == 20 and result["fill"]["rows_copied"]["datasets"] == 20
    for backend in ("embedded", "shared"):
        figures = result[backend]
        for key in shared_catalog.RATIO_KEYS:
            assert figures[key] > 0, (backend, key)
        assert figures["session"]["attach_s"] > 0
    assert result["shared"]["session"]["load_s"] > 0
    assert result["embedded"]["results"] == result["shared"]["results"]
    assert set(result["ratios"]) == set(shared_catalog.RATIO_KEYS)
    text = shared_catalog.section(result)
    assert "| `kdata search 자율주행 영상` whole process, median of 1 |" in text
    assert "LOAD postgres" in text and "nan" not in text
