"""Ingest progress: a live display when `kdata ingest` runs on a terminal (a real pseudo-terminal here),
nothing with --json or --no-progress; log lines at an interval and per-archive summaries for Airflow."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest

from ingest.progress import LogProgress, Tally
from kcore.config import load_settings
from kdata import pipeline
from kdata.run_input import load_plan
from tests.pty_run import run_kdata_on_pty

pytestmark = pytest.mark.integration
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.fixture
def small_dataset(kdata_home: Path, tmp_path: Path) -> Path:
    from kdata.samples import write_samples

    return write_samples("korean", tmp_path / "ds", items=60, layout="classic", seed=3, inject=None)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_terminal_shows_progress_per_stage(small_dataset: Path, workers: str) -> None:
    """The same lines whether this process or extract processes read the archives (their counts come back)."""
    code, shown, _ = run_kdata_on_pty(["ingest", str(small_dataset), "--workers", workers])
    assert code == 0, shown
    plain = _ANSI.sub("", shown)
    for label in ("계획 plan", "추출 extract", "품질검증 quality", "게시 publish", "등록 register"):
        assert label in plain, (label, plain[-2000:])
    # each finished stage leaves a line; the extract's: archives, members, rows and bytes
    done = re.search(
        r"✓ 추출 extract · 압축파일 archives (\d+)/\1 · 파일 members (\d+) · 행 rows 60 · [\d.]+ KiB", plain
    )
    assert done is not None and int(done.group(2)) >= int(done.group(1)), plain[-3000:]
    assert re.search(r"✓ 품질검증 quality · passed · [\d.]+ s", plain)
    hashed = r"✓ 계획 plan · 압축파일 archives (\d+)/\1 해시 hashed · 라벨 압축파일 label archives (\d+) · [\d.]+ KiB"
    planned = re.search(hashed, plain)  # every archive hashed, its label archives extracted
    assert planned is not None and planned.group(2) == done.group(1), plain[:3000]
    assert len(re.findall(r"\.zip: 행 rows \d+ · 청크 chunks \d+ · 문제 problems 0", plain)) == int(done.group(1))
    assert "게시됨 published" in plain and "train: 48 rows" in plain  # the result follows


def test_json_on_a_terminal_stays_one_clean_document(small_dataset: Path) -> None:
    code, shown, err = run_kdata_on_pty(["ingest", str(small_dataset), "--json"], stderr_on_pty=False)
    assert code == 0, (shown, err)
    assert "\x1b" not in shown
    result = json.loads(shown)
    assert result["status"] == "published" and result["rows"] == {"train": 48, "validation": 12}
    assert "추출 extract" not in err


def test_no_progress_on_a_terminal(small_dataset: Path) -> None:
    code, shown, _ = run_kdata_on_pty(["ingest", str(small_dataset), "--no-progress"])
    assert code == 0, shown
    plain = _ANSI.sub("", shown)
    assert "추출 extract" not in plain and "품질검증 quality" not in plain
    assert "게시됨 published" in plain


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_log_progress_lines_at_interval_and_percent(caplog: pytest.LogCaptureFixture) -> None:
    clock = _Clock()
    log = logging.getLogger("kdata.test.progress")
    progress = LogProgress(log, interval_s=10.0, every_percent=25.0, clock=clock)
    caplog.set_level(logging.INFO, logger=log.name)
    progress.stage("extract", archives=2, total_bytes=1000)
    progress.archive("TL_1.zip", 600)
    for _ in range(10):  # 10 members of 10 bytes: 10 % of the bytes in 9 s: nothing due
        clock.now += 0.9
        progress.member(10)
    progress.rows(500)
    assert [r.getMessage() for r in caplog.records] == ["추출 extract 시작 started: 압축파일 archives 2, 1,000 B"]
    clock.now += 1.5  # 10.5 s since the start: one interval line
    progress.member(10)
    line = caplog.records[-1].getMessage()
    assert line.startswith("추출 extract · 압축파일 archives 0/2 · 파일 members 11 · 110 B/1,000 B (11%)")
    assert "행 rows 500" in line and "남은 시간 ETA" in line
    progress.archive_done("TL_1.zip", 600, {"rows": 700, "chunks": 2, "problems": 1})  # 600 B: crosses 50 %
    messages = [r.getMessage() for r in caplog.records]
    assert "추출 extract 1/2 · TL_1.zip: 행 rows 700 · 청크 chunks 2 · 문제 problems 1" in messages
    assert messages[-1].startswith("추출 extract · 압축파일 archives 1/2 · 파일 members 11 · 600 B/1,000 B (60%)")
    # an archive finished elsewhere (a worker process): counted whole, its rows from the summary
    progress.archive_done("TL_2.zip", 400, {"rows": 300, "chunks": 1, "problems": 0})
    assert progress.tally.rows == 800 and progress.tally.bytes == 1000 and progress.tally.archives_done == 2
    clock.now += 2
    progress.stage_done("extract", "ok")
    assert caplog.records[-1].getMessage() == "추출 extract 완료 done in 12.5 s: ok"


def test_log_progress_plan_gets_its_totals_late(caplog: pytest.LogCaptureFixture) -> None:
    clock = _Clock()
    log = logging.getLogger("kdata.test.plan")
    progress = LogProgress(log, interval_s=60.0, every_percent=50.0, clock=clock)
    caplog.set_level(logging.INFO, logger=log.name)
    progress.stage("plan")  # an S3 copy or the discovery first: no totals yet
    clock.now += 3
    progress.stage("plan", archives=3, total_bytes=3000)
    for _ in range(3):
        progress.archive_hashed(1000)
    progress.stage_done("plan", "ok")
    assert [r.getMessage() for r in caplog.records] == [
        "계획 plan 시작 started",
        "계획 plan 전체 totals: 압축파일 archives 3, 2.9 KiB",
        "계획 plan · 압축파일 archives 2/3 · 2.0 KiB/2.9 KiB (67%) · 667 B/s · 남은 시간 ETA 2 s",
        "계획 plan · 압축파일 archives 3/3 · 2.9 KiB/2.9 KiB (100%) · 1,000 B/s",
        "계획 plan 완료 done in 3.0 s: ok",
    ]


def test_tally_learns_totals_when_not_given() -> None:
    tally = Tally(_Clock())
    tally.reset("extract", 0, 0)
    tally.archive("TL_1.zip", 300)
    tally.member(100)
    tally.archive_done("TL_1.zip", 300, {"rows": 5})
    assert (tally.archives, tally.total_bytes, tally.bytes, tally.percent) == (1, 300, 300, 100.0)


def test_pipeline_reports_to_a_log_progress(
    small_dataset: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = logging.getLogger("kdata.test.pipeline")
    caplog.set_level(logging.INFO, logger=log.name)
    result = pipeline.ingest(load_settings(), str(small_dataset), progress=LogProgress(log, interval_s=0.0))
    assert result["rows"] == {"train": 48, "validation": 12}
    messages = [r.getMessage() for r in caplog.records]
    summaries = [m for m in messages if re.match(r"추출 extract \d+/\d+ · ", m)]
    rows = [int(m.split("행 rows ")[1].split(" ")[0].replace(",", "")) for m in summaries]
    assert sum(rows) == 60 and len(summaries) == len(result_units(result))
    assert any(m.startswith("품질검증 quality 완료 done") and m.endswith(": passed") for m in messages)
    assert any(m.startswith("계획 plan 전체 totals: 압축파일 archives ") for m in messages)
    assert any(re.match(r"계획 plan · 압축파일 archives (\d+)/\1 · .*\(100%\)", m) for m in messages)
    last_line = [m for m in messages if m.startswith("추출 extract · ")][-1]
    assert "행 rows 60" in last_line and "(100%)" in last_line


def result_units(result: dict[str, Any]) -> list[dict[str, Any]]:
    plan = load_plan(load_settings(), result["run_id"])
    return [unit.model_dump() for unit in plan.units]
