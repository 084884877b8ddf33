"""Helpers of the hostile-input tests: running ``kdata`` and checking what a rejection must leave
(and not leave) behind."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from kdata.cli import app

LABEL = "01.데이터/1.Training/라벨링데이터/TL_1.일상대화.zip"
SOURCE = "01.데이터/1.Training/원천데이터/TS_1.일상대화.zip"

ANY_MEMBER = "*"
"""For :func:`assert_rejected`: whichever member the check names first."""

runner = CliRunner()


def tree(root: Path) -> set[str]:
    """Every file and folder under ``root`` (relative POSIX paths)."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def kdata(*args: str) -> Any:
    return runner.invoke(app, list(args))


def quarantine_rows() -> list[dict[str, Any]]:
    result = kdata(
        "sql",
        "SELECT reason, archive, archive_sha256, member, stage, run_id, message, record_path, quarantined_at "
        "FROM quarantine ORDER BY quarantined_at",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


@dataclass
class Outcome:
    """What one ``kdata ingest --json`` left: exit code, output, files created, quarantine rows."""

    exit_code: int
    result: dict[str, Any]
    stderr: str
    created: set[str]
    rows: list[dict[str, Any]]
    home: Path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_rejected(outcome: Outcome, dataset: Path, archive: str, code: str, member: str | None) -> dict[str, Any]:
    """Exit 2, the message names archive (and member), one quarantine row, nothing published,
    nothing written outside KDATA_HOME (and, for a refusal at plan time, nothing in runs/)."""
    assert outcome.exit_code == 2, (outcome.exit_code, outcome.stderr, outcome.result)
    assert outcome.result["status"] == "rejected"
    message = outcome.result["error"]
    assert archive in message and f"[{code}]" in message, message
    if member not in (None, ANY_MEMBER):
        assert f"!{member}" in message, message
    assert archive in outcome.stderr.replace("\n", "")
    home = outcome.home.name
    outside = {p for p in outcome.created if p != home and not p.startswith(f"{home}/")}
    assert not outside, f"files written outside KDATA_HOME: {sorted(outside)}"
    allowed = ("runs", "quarantine", "catalog.duckdb", "catalog.duckdb.wal", "catalog.snapshot.duckdb")
    anchor = {f"{home}/store", f"{home}/store/_catalog", f"{home}/store/_catalog/audit-head.json"}  # audit anchor
    unexpected = {p for p in outcome.created - anchor if p != home and p.split("/")[1] not in allowed}
    assert not unexpected, f"written besides the run folder, quarantine and catalog: {sorted(unexpected)}"
    assert len(outcome.rows) == 1, outcome.rows
    row = outcome.rows[0]

    assert row["reason"] == code
    assert row["archive"] == archive
    assert member == ANY_MEMBER or row["member"] == member
    assert row["message"] == message
    assert row["quarantined_at"]
    record = json.loads(Path(row["record_path"]).read_text(encoding="utf-8"))
    assert Path(row["record_path"]).is_relative_to(outcome.home / "quarantine")
    assert record["reason"] == code and record["archive"] == archive and record["quarantined_at"]
    assert record["archive_sha256"] == row["archive_sha256"]
    return row
