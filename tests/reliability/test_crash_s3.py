"""Crash and rerun on the S3 backend (moto's server over HTTP): the rerun finishes without uploading again.

- killed after every chunk was uploaded and copied, before ``manifest.json``: nothing is visible; the
  rerun finds every final object by key and sha256 and only writes the manifest;
- killed after ``manifest.json``, before the catalog knew ("committed but unknown"): the version is
  published but unregistered; the rerun registers it and puts nothing at all.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from kcore.config import load_settings
from kdata import pipeline
from storage.stores import open_store
from tests.reliability._support import chunk_table, home_env, kdata_cli, prepare, verify_home
from tests.storage.conftest import S3Env

if TYPE_CHECKING:
    from schemas.contracts import VersionManifest

pytestmark = pytest.mark.integration


def _etags(env: S3Env, prefix: str) -> dict[str, tuple[str, Any]]:
    listing = env.client().list_objects_v2(Bucket=env.bucket, Prefix=f"{env.prefix}/{prefix}/")
    return {o["Key"]: (o["ETag"], o["LastModified"]) for o in listing.get("Contents", [])}


@pytest.mark.parametrize("point", ["publish_copied", "publish_manifest"])
def test_s3_crash_then_rerun_does_not_upload_again(
    point: str, s3_env: S3Env, small_dataset: Path, reference: VersionManifest
) -> None:
    settings = load_settings()
    prepare(settings, small_dataset)
    proc = kdata_cli(["ingest", str(small_dataset), "--json"], home_env(settings.home, KDATA_FAULT=point))
    assert proc.returncode == -9, proc.stderr[-3000:]
    assert f"killed at {point}" in proc.stderr
    key = (reference.dataset_id, reference.version)
    prefix = f"{key[0]}/{key[1]}"

    state = verify_home(settings)
    assert state.registered == {}
    assert state.unregistered == ([key] if point == "publish_manifest" else [])
    store = open_store(settings.store)
    assert store.list("_staging") != []  # the killed run left its staging objects
    before = _etags(s3_env, prefix)
    chunk_keys = {f"{s3_env.prefix}/{prefix}/{c.key}" for c in reference.chunks}
    assert chunk_keys <= set(before)  # every chunk was in place before the kill

    s3_env.server.reset()
    result = pipeline.ingest(settings, str(small_dataset))
    assert result["status"] == "published"
    assert result["already_published"] == (point == "publish_manifest")
    anchor = s3_env.path("_catalog/")  # the audit log's anchor is rewritten with every catalog write
    puts = [r.path for r in s3_env.server.requests(f"/{s3_env.bucket}/", "PUT") if not r.path.startswith(anchor)]
    if point == "publish_copied":  # only the manifest and the quality reports (invisible until then)
        assert [p for p in puts if not p.startswith(s3_env.path(f"{prefix}/quality/"))] == [
            s3_env.path(f"{prefix}/manifest.json")
        ]
    else:
        assert puts == []
    assert s3_env.server.requests(s3_env.path("_staging/"), "DELETE")  # leftovers cleared by the rerun
    after = _etags(s3_env, prefix)
    assert {k: after[k] for k in chunk_keys} == {k: before[k] for k in chunk_keys}  # untouched objects

    state = verify_home(settings)
    assert list(state.registered) == [key] and state.unregistered == []
    assert chunk_table(state.registered[key]) == chunk_table(reference)
    assert state.audits[("publish", key[0])] == 1
    assert store.list("_staging") == []
