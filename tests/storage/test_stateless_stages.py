"""Issue 19, stateless workers: with ``KDATA_STORE=s3://…`` and the shared catalog, every stage of one run
runs on another "host" (its own ``KDATA_HOME``, deleted after the stage), the input an ``s3://`` folder;
the run state in the store carries the run. The published version is byte for byte the one a single host
publishes from a local copy of the same folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kcore.config import Settings, load_settings
from kdata import pipeline, run_input
from kdata.run_input import load_plan
from kdata.samples import write_samples
from storage.fsck import fsck
from storage.publish import load_version_manifest
from storage.stores import open_store
from tests.dags.test_landing_s3 import upload
from tests.pg import fresh_database
from tests.storage.conftest import S3Env

if TYPE_CHECKING:
    from schemas.contracts import VersionManifest

pytestmark = pytest.mark.integration


def _host(tmp_path: Path, name: str, **extra: str) -> Settings:
    home = tmp_path / "hosts" / name
    assert not home.exists()
    return load_settings({**os.environ, "KDATA_HOME": str(home), "KDATA_GX_WORKER": "off", **extra})


def _gone(settings: Settings) -> None:
    shutil.rmtree(settings.home)  # the host's scratch: deletable between any two tasks


def _input_files(settings: Settings) -> set[str]:
    """The files of the ``s3://`` input this host copied (relative to its copy of the folder)."""
    copies = [p for p in (settings.runs_dir / "_s3").glob("*/*") if p.is_dir() and not p.name.endswith(".partial")]
    return {f.relative_to(c).as_posix() for c in copies for f in c.rglob("*") if f.is_file()}


def _published(settings: Settings, dataset_id: str, version: str) -> VersionManifest:
    found = load_version_manifest(open_store(settings.store), dataset_id, version)
    assert found is not None
    return found


@pytest.mark.parametrize("kind", ["korean", "korean_speech"])  # label archives only; with source archives
def test_every_stage_on_another_host_with_an_emptied_home(kind: str, s3_env: S3Env, tmp_path: Path) -> None:
    folder = write_samples(kind, tmp_path / "in", items=60, layout="classic", seed=11, inject=None)
    upload(s3_env, folder, "landing/ds")
    location = f"s3://{s3_env.bucket}/landing/ds"
    with fresh_database() as catalog:
        hosts = iter(f"host-{n}" for n in range(100))

        def host() -> Settings:
            return _host(tmp_path, next(hosts), KDATA_CATALOG=catalog)

        planner = host()
        planned = pipeline.plan_run(planner, location)
        _gone(planner)
        assert planned["units"] >= 2, planned
        plan = None
        for index in range(planned["units"]):  # each unit on a fresh host, which copies what it reads itself
            worker = host()
            assert pipeline.extract_unit(worker, planned["run_id"], index)["rows"] > 0
            plan = load_plan(worker, planned["run_id"])
            unit = plan.units[index]
            # the manifest, the unit's label archive and its split's sources: no other archive
            assert _input_files(worker) == {"dataset.yaml", unit.archive, *plan.sources.get(unit.split, [])}
            _gone(worker)
        assert plan is not None
        every_source = {a for archives in plan.sources.values() for a in archives}
        assert len(plan.archives) > 2 and len(every_source) < len(plan.archives) - 1  # something to leave out
        checker = host()
        verdict = pipeline.check_quality(checker, planned["run_id"])
        assert _input_files(checker) == {"dataset.yaml", *every_source}  # sources are listed for orphans
        _gone(checker)
        assert verdict["verdict"] != "failed", verdict
        gate = host()
        pipeline.gate(gate, verdict)
        publisher = host()
        published = pipeline.publish_run(publisher, planned["run_id"])
        # the card's manifest, and the archives no unit read in full (hashed for content_sha256) only
        unread = set(plan.archives) - {a for u in run_input.units(publisher, plan) for a in u.archive_sha256}
        assert _input_files(publisher) == {"dataset.yaml", *unread}
        # chunks copied from staging, not sent again; only the dataset card (written at publish) is uploaded
        assert published["created"] and published["uploaded"] == 1
        _gone(publisher)
        registrar = host()
        registered = pipeline.register_run(registrar, planned["run_id"])
        assert _input_files(registrar) == {"dataset.yaml"}  # the manifest only: no archive
        _gone(registrar)
        assert registered["registered"]
        state = fsck(open_store(registrar.store))
        assert state.clean and state.staging == {}, (state.temp_files, state.damaged, state.stray)
        assert list(state.run_states) == [planned["run_id"]]  # plan, units, quality summary and reports
        keys = open_store(registrar.store).list(f"{planned['dataset_id']}/{planned['version']}/quality")
        assert any(key.endswith("/summary.html") for key in keys)  # reports written on another host
        shared = _published(registrar, planned["dataset_id"], planned["version"])

    # One host, a local folder and a local store: the same run id, chunks, content hash.
    single = load_settings(
        {**os.environ, "KDATA_HOME": str(tmp_path / "single"), "KDATA_STORE": str(tmp_path / "single-store")}
    )
    result = pipeline.ingest(single, str(folder))
    assert result["run_id"] == planned["run_id"]
    local = _published(single, planned["dataset_id"], planned["version"])
    assert shared.content_sha256 == local.content_sha256
    assert [(c.key, c.sha256, c.rows) for c in shared.chunks] == [(c.key, c.sha256, c.rows) for c in local.chunks]
    assert shared.splits == local.splits


def test_a_unit_finished_on_one_host_is_not_read_again_on_another(s3_env: S3Env, tmp_path: Path) -> None:
    folder = write_samples("korean", tmp_path / "in", items=20, layout="classic", seed=12, inject=None)
    planner = _host(tmp_path, "a")
    planned = pipeline.plan_run(planner, str(folder))
    first = pipeline.extract_unit(planner, planned["run_id"], 0)
    shutil.rmtree(planner.runs_dir)  # the first host's cache is gone
    s3_env.server.reset()
    other = _host(tmp_path, "b")
    assert pipeline.extract_unit(other, planned["run_id"], 0) == first
    puts = s3_env.server.requests(s3_env.path(), "PUT")
    assert puts == []  # nothing extracted or uploaded again: the unit's record in the store says done


def test_a_part_of_an_s3_folder_is_copied_with_its_archive_pieces(s3_env: S3Env, tmp_path: Path) -> None:
    from kcore.errors import BadInput
    from storage.s3_input import fetch_dataset

    folder = tmp_path / "in"
    for rel in ("dataset.yaml", "TL_a.zip.part0", "TL_a.zip.part1", "TL_b.zip", "VS_c.z01", "VS_c.zip", "x/TL_a.zip"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(rel.encode())
    upload(s3_env, folder, "landing/parts")
    location = f"s3://{s3_env.bucket}/landing/parts"
    settings = _host(tmp_path, "parts")
    root = fetch_dataset(settings, location, only=["TL_a.zip"])
    assert _input_files(settings) == {"dataset.yaml", "TL_a.zip.part0", "TL_a.zip.part1"}  # not TL_b, VS_c, x/
    assert fetch_dataset(settings, location, only=["VS_c.zip", "x/TL_a.zip"]) == root  # same place, added to
    first = {"dataset.yaml", "TL_a.zip.part0", "TL_a.zip.part1"}
    assert _input_files(settings) == first | {"VS_c.z01", "VS_c.zip", "x/TL_a.zip"}
    with pytest.raises(BadInput, match=r"TL_gone\.zip: no such object"):
        fetch_dataset(settings, location, only=["TL_gone.zip"])
    assert fetch_dataset(settings, location) == root  # the whole folder completes the same copy
    assert _input_files(settings) == {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
