"""The DAGs under a real scheduler: api-server + scheduler + dag-processor on PostgreSQL, triggered over
the REST API like a data team would (with Airflow's OpenLineage provider writing to a file transport); then
two Celery workers with their own homes sharing one run's mapped tasks over S3 and the shared catalog."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from kcore.config import load_settings
from kdata import pipeline
from kdata.run_input import load_plan
from storage.layout import RUN_STATE
from storage.publish import load_version_manifest
from storage.stores import open_store
from tests.dags.airflow_cluster import AirflowCluster
from tests.dags.test_landing_s3 import upload
from tests.openlineage_schema import event_validator
from tests.storage.conftest import S3Env, s3_env, s3_server  # noqa: F401 - the moto server fixtures

pytestmark = pytest.mark.integration


def _splits(home: Path) -> list[tuple[str, int]]:
    con = duckdb.connect(str(home / "catalog.duckdb"), read_only=True)
    try:
        return con.execute("SELECT split, record_count FROM splits ORDER BY split").fetchall()
    finally:
        con.close()


@pytest.fixture
def local_cluster(tmp_path: Path) -> Iterator[AirflowCluster]:
    transport = {"type": "file", "log_file_path": str(tmp_path / "lineage.jsonl"), "append": True}
    cluster = AirflowCluster(
        tmp_path / "cluster",
        tmp_path / "kdata-home",
        extra_env={
            "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport),
            "AIRFLOW__OPENLINEAGE__NAMESPACE": "kdata",
        },
    )
    cluster.root.mkdir()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def test_rest_trigger_under_local_executor(local_cluster: AirflowCluster, sample_factory) -> None:  # type: ignore[no-untyped-def]
    cluster = local_cluster
    dataset = sample_factory(items=60)
    cluster.wait_dag("ingest_korean")
    # Bad params are refused by Airflow before a run starts.
    assert cluster.status("POST", "/api/v2/dags/ingest_korean/dagRuns", {"logical_date": None, "conf": {}}) == 400
    assert (
        cluster.status(
            "POST",
            "/api/v2/dags/ingest_korean/dagRuns",
            {"logical_date": None, "conf": {"dataset_path": str(dataset), "pii_policy": "shred"}},
        )
        == 400
    )
    run_id = cluster.trigger("ingest_korean", {"dataset_path": str(dataset), "version_note": "REST 트리거"})
    assert cluster.wait_run("ingest_korean", run_id) == "success", cluster.logs()
    assert _splits(cluster.kdata_home) == [("train", 48), ("validation", 12)]
    con = duckdb.connect(str(cluster.kdata_home / "catalog.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT version_note FROM versions").fetchone() == ("REST 트리거",)
    finally:
        con.close()
    # The catalog web page is mounted inside the api-server by the project's plugin.
    code, html = cluster.get_text("/kdata/")
    assert code == 200, html[:500]
    assert "korean-sns-dialogue" in html or "한국어 SNS 대화" in html, html[:500]
    events = cluster.request("GET", "/api/v2/assets/events?limit=10")["asset_events"]
    assert any(e["extra"].get("version") == "1.0" and "korean-sns-dialogue" in e["uri"] for e in events)
    # OpenLineage from the provider, in the scheduler (DAG run) and the task processes (tasks)
    lineage = cluster.root.parent / "lineage.jsonl"
    ol_events = [json.loads(line) for line in lineage.read_text(encoding="utf-8").splitlines() if line.strip()]
    validate = event_validator()
    for event in ol_events:
        validate(event)
    assert {e["job"]["namespace"] for e in ol_events} == {"kdata"}
    dag_run = [e["eventType"] for e in ol_events if e["job"]["name"] == "ingest_korean"]
    assert dag_run == ["START", "COMPLETE"]  # the scheduler sends the DAG run's START when the run starts
    [register] = [e for e in ol_events if e["job"]["name"] == "ingest_korean.register" and e["eventType"] == "COMPLETE"]
    assert register["inputs"][0]["name"] == str(dataset)
    assert register["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] == 60


def _wait_killed_on(cluster: AirflowCluster, run_id: str, host: str, timeout: float = 300) -> dict[str, Any]:
    """The extract task instance whose attempt on ``host`` died (now up for retry)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for ti in cluster.task_instances("ingest_korean", run_id):
            if ti["task_id"] == "extract" and ti["state"] == "up_for_retry" and ti["hostname"] == host:
                return ti
        time.sleep(0.5)
    raise TimeoutError(f"no extract attempt died on {host}\n{cluster.logs()}")


def test_celery_workers_with_their_own_homes_share_one_run(  # type: ignore[no-untyped-def]
    tmp_path: Path,
    s3_env: S3Env,  # noqa: F811
    shared_catalog: str,
    sample_factory,
) -> None:
    """Issue 19: two Celery workers that share only the S3 store (moto) and the PostgreSQL catalog, each
    with its own KDATA_HOME, run one run's mapped tasks; an extract killed on worker1 (which then shuts
    down, as a lost host) is retried and finishes on worker2; the chunks are the bytes one host writes."""
    dataset = Path(sample_factory(items=200, seed=5))
    upload(s3_env, dataset, "landing/ds")
    homes = {n: tmp_path / f"worker{n}-home" for n in (1, 2)}
    cluster = AirflowCluster(
        tmp_path / "cluster",
        tmp_path / "control-home",  # the scheduler's and api-server's
        executor="CeleryExecutor",
        celery_workers=1,  # worker2 joins once worker1 has lost a task
        extra_env={"KDATA_RETRY_DELAY": "20", "KDATA_CATALOG": shared_catalog, "KDATA_STORE": s3_env.url},
        worker_env={
            1: {
                "KDATA_HOME": str(homes[1]),
                "KDATA_FAULT": "chunk_row_group",  # SIGKILL in the middle of a chunk, nothing staged
                "KDATA_FAULT_ONCE": str(tmp_path / "killed-once"),
            },
            2: {"KDATA_HOME": str(homes[2])},
        },
    )
    cluster.root.mkdir()
    try:
        cluster.start()
        cluster.wait_dag("ingest_korean")
        run_id = cluster.trigger("ingest_korean", {"dataset_path": f"s3://{s3_env.bucket}/landing/ds"})
        killed = _wait_killed_on(cluster, run_id, "worker1")
        cluster.stop_component("worker1")  # warm shutdown: its running task finishes, it takes no more
        shutil.rmtree(homes[1])  # nothing another host needs was there
        cluster.start_worker(2)
        assert cluster.wait_run("ingest_korean", run_id) == "success", cluster.logs()
        extract = {
            ti["map_index"]: ti for ti in cluster.task_instances("ingest_korean", run_id) if ti["task_id"] == "extract"
        }
        assert len(extract) >= 4
        retried = extract[killed["map_index"]]
        assert (retried["state"], retried["hostname"]) == ("success", "worker2")
        assert retried["try_number"] >= 2
        assert {ti["hostname"] for ti in extract.values()} <= {"worker1", "worker2"}
    finally:
        cluster.stop()
    settings = load_settings({**os.environ, "KDATA_HOME": str(tmp_path / "reader")})
    store = open_store(settings.store)
    plan = load_plan(settings, _only_run(store))
    shared = load_version_manifest(store, plan.dataset_id, plan.version)
    assert shared is not None
    # The same input through the in-process path on one host (local folder, local store): the same bytes.
    local_home = tmp_path / "local-home"
    single = load_settings({**os.environ, "KDATA_HOME": str(local_home), "KDATA_STORE": str(local_home / "store")})
    pipeline.ingest(single, str(dataset))
    local = load_version_manifest(open_store(single.store), plan.dataset_id, plan.version)
    assert local is not None
    assert [(c.key, c.sha256) for c in shared.chunks] == [(c.key, c.sha256) for c in local.chunks]
    assert shared.content_sha256 == local.content_sha256


def _only_run(store: Any) -> str:
    runs = {key.split("/")[1] for key in store.list(RUN_STATE)}
    assert len(runs) == 1, runs
    return runs.pop()
