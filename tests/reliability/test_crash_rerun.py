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

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kcore.faults import FAULT_POINTS
from tests.reliability._support import CASES, ROOT, crash_then_rerun

if TYPE_CHECKING:
    from schemas.contracts import VersionManifest

pytestmark = pytest.mark.integration


def test_every_fault_point_in_the_code_is_tested() -> None:
    called = set()
    for package in ("kdata", "ingest", "storage", "catalog", "kcore"):
        for path in (ROOT / package).glob("*.py"):
            called |= set(re.findall(r'fault_point\("([a-z_]+)"\)', path.read_text(encoding="utf-8")))
    assert called == set(FAULT_POINTS) == {case[0] for case in CASES}


@pytest.mark.parametrize(("point", "after", "prepared"), CASES, ids=[c[0] for c in CASES])
def test_crash_then_rerun(
    point: str, after: int, prepared: bool, kdata_home: Path, small_dataset: Path, reference: VersionManifest
) -> None:
    crash_then_rerun(point, after, prepared, kdata_home, small_dataset, reference)
