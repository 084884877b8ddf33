"""Crash and rerun: ``kdata ingest`` killed with SIGKILL at every fault point, then run again.

The promise: a version in the catalog is complete and verified; a crash or a rerun never duplicates or
corrupts anything. For each point of :data:`kcore.faults.FAULT_POINTS`, a real ``python -m kdata ingest``
process dies with -9 there; then the state is checked (catalog opens, the version is absent or complete,
no ``*.incomplete`` is reachable), the ingest is run again (in this process, to save the ~15 s of imports
of a second process) and the published chunks must be byte-identical to an uninterrupted ingest's.

To keep the killed runs cheap, points after the quality stage start from a run folder whose plan,
extraction and quality stages were done beforehand in this process (the state a killed run would have
left there); the killed process resumes it, so it never imports Great Expectations.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from kcore.config import load_settings
from kcore.faults import FAULT_POINTS
from kdata import pipeline
from storage.stores import open_store
from tests.reliability._support import (
    ROOT,
    chunk_table,
    home_env,
    incomplete_files,
    kdata_cli,
    prepare,
    verify_home,
)

pytestmark = pytest.mark.integration

# point, KDATA_FAULT_AFTER, stages done beforehand in-process
CASES = [
    ("after_plan", 1, False),
    ("after_extract", 1, False),
    ("chunk_row_group", 2, False),
    ("chunk_rename", 1, False),
    ("after_quality", 1, True),
    ("after_gate", 1, True),
    ("publish_staged", 2, True),
    ("publish_copied", 1, True),
    ("publish_manifest", 1, True),
    ("after_publish", 1, True),
    ("register_tx", 1, True),
    ("after_register", 1, True),
]
MANIFEST_WRITTEN = {"publish_manifest", "after_publish", "register_tx", "after_register"}


def crash(dataset: Path, point: str, after: int) -> None:
    """Run ``kdata ingest`` in a new process with the fault armed; it must die by SIGKILL at that point."""
    proc = kdata_cli(["ingest", str(dataset), "--json"], home_env_now(KDATA_FAULT=point, KDATA_FAULT_AFTER=str(after)))
    assert proc.returncode == -9, (proc.returncode, proc.stdout[-2000:], proc.stderr[-3000:])
    assert f"KDATA_FAULT: killed at {point}" in proc.stderr
    assert proc.stdout == ""  # nothing claimed success


def home_env_now(**extra: str) -> dict[str, str]:
    return home_env(load_settings().home, **extra)


def test_every_fault_point_in_the_code_is_tested() -> None:
    called = set()
    for package in ("kdata", "ingest", "storage", "catalog", "kcore"):
        for path in (ROOT / package).glob("*.py"):
            called |= set(re.findall(r'fault_point\("([a-z_]+)"\)', path.read_text(encoding="utf-8")))
    assert called == set(FAULT_POINTS) == {case[0] for case in CASES}


@pytest.mark.parametrize(("point", "after", "prepared"), CASES, ids=[c[0] for c in CASES])
def test_crash_then_rerun(
    point: str, after: int, prepared: bool, kdata_home: Path, small_dataset: Path, reference: dict[str, Any]
) -> None:
    crash_then_rerun(point, after, prepared, kdata_home, small_dataset, reference)


def crash_then_rerun(
    point: str,
    after: int,
    prepared: bool,
    kdata_home: Path,
    small_dataset: Path,
    reference: dict[str, Any],
    rerun_home: Path | None = None,
) -> None:
    settings = load_settings()
    if prepared:
        prepare(settings, small_dataset)
    crash(small_dataset, point, after)

    # After the crash: the catalog opens, and the version is absent or complete (never half there).
    state = verify_home(settings)
    key = (reference["dataset_id"], reference["version"])
    if point == "after_register":
        assert key in state.registered
    else:
        assert state.registered == {}
        assert state.unregistered == ([key] if point in MANIFEST_WRITTEN else [])
    if point in ("chunk_row_group", "chunk_rename"):
        assert incomplete_files(kdata_home), "the writer died while a chunk was *.incomplete"

    # The rerun finishes the job: one version, complete, byte-identical to an uninterrupted run.
    if rerun_home is not None:  # on another host: the first one's home is gone
        shutil.rmtree(kdata_home)
        settings = load_settings({**os.environ, "KDATA_HOME": str(rerun_home)})
    result = pipeline.ingest(settings, str(small_dataset))
    assert result["status"] == "published"
    assert result["already_published"] == (point in MANIFEST_WRITTEN)
    state = verify_home(settings)
    assert list(state.registered) == [key] and state.unregistered == []
    assert chunk_table(state.registered[key]) == chunk_table(reference)
    assert state.registered[key]["content_sha256"] == reference["content_sha256"]
    assert state.quality_runs == {result["run_id"]: 1}
    assert state.audits[("publish", key[0])] == 1
    assert state.audits[("quality_check", key[0])] == 1
    assert incomplete_files(kdata_home) == []
    assert open_store(settings.store).list("_staging") == []  # the rerun cleared the staging leftovers

    # A second rerun changes nothing.
    again = pipeline.ingest(settings, str(small_dataset))
    assert again["already_published"] is True
    assert chunk_table(verify_home(settings).registered[key]) == chunk_table(reference)
