"""Crash and rerun in the deployment shape (issue 19): the shared PostgreSQL catalog, an S3 store (moto over
HTTP) and the run's state in the store. ``kdata ingest`` dies at every fault point on one host; the rerun runs
on another host whose home is empty (the first host's home is deleted) and publishes the same bytes, once.
Apart from :mod:`tests.reliability.test_crash_rerun` so that the two files run on different test workers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.reliability._support import CASES, crash_then_rerun

if TYPE_CHECKING:
    from schemas.contracts import VersionManifest
    from tests.storage.conftest import S3Env

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("point", "after", "prepared"), CASES, ids=[c[0] for c in CASES])
def test_crash_then_rerun_on_another_host_sharing_only_s3_and_postgresql(
    point: str,
    after: int,
    prepared: bool,
    kdata_home: Path,
    s3_env: S3Env,
    shared_catalog: str,
    small_dataset: Path,
    reference: VersionManifest,
    tmp_path: Path,
) -> None:
    """Issue 19: the deployment shape (shared PostgreSQL catalog, S3 store, run state in the store). The
    process dies at every point on one host; the rerun runs on another host whose home is empty (the first
    host's home is deleted), picks the run up from the store and publishes the same bytes. A killed
    process's catalog transaction is rolled back by PostgreSQL when its connection drops."""
    crash_then_rerun(point, after, prepared, kdata_home, small_dataset, reference, rerun_home=tmp_path / "host-b")
