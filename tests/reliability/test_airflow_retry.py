"""Airflow retries a task that was killed by a signal (SIGKILL) and the run still publishes once.

``dag.test()`` runs tasks inside the test process, where SIGKILL would kill pytest itself, so this runs
under a real scheduler (api-server + scheduler + dag-processor, LocalExecutor, PostgreSQL when it
answers) from :mod:`tests.dags.airflow_cluster`. The first attempt of one mapped ``extract`` task dies
by ``KDATA_FAULT=after_extract`` (``KDATA_FAULT_ONCE`` marker: only one attempt anywhere dies); with
retries left, Airflow must retry it (guards against Airflow 3 treating a signal death as final).
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from kcore.config import load_settings
from tests.dags.airflow_cluster import AirflowCluster
from tests.reliability._support import chunk_table, home_env, verify_home

if TYPE_CHECKING:
    from schemas.contracts import VersionManifest

pytestmark = pytest.mark.integration


def test_extract_task_killed_by_sigkill_is_retried_and_the_run_succeeds(
    tmp_path: Path, small_dataset: Path, reference: VersionManifest
) -> None:
    marker = tmp_path / "fault-fired"
    cluster = AirflowCluster(
        tmp_path / "cluster",
        tmp_path / "kdata-home",
        extra_env={"KDATA_FAULT": "after_extract", "KDATA_FAULT_ONCE": str(marker), "KDATA_RETRY_DELAY": "1"},
    )
    cluster.root.mkdir()
    try:
        cluster.start()
        cluster.wait_dag("ingest_korean")
        run_id = cluster.trigger("ingest_korean", {"dataset_path": str(small_dataset)})
        state = cluster.wait_run("ingest_korean", run_id)
        instances = cluster.task_instances("ingest_korean", run_id)
        extract = [ti for ti in instances if ti["task_id"] == "extract"]
        retried = [ti for ti in extract if ti["try_number"] > 1]
        tries = []
        if retried:
            quoted = urllib.parse.quote(run_id, safe="")
            path = f"/api/v2/dags/ingest_korean/dagRuns/{quoted}/taskInstances/extract/{retried[0]['map_index']}/tries"
            tries = [(t["try_number"], t["state"]) for t in cluster.request("GET", path)["task_instances"]]
    finally:
        cluster.stop()
    assert marker.exists(), "the fault never fired"
    assert state == "success", (instances, cluster.logs())
    assert len(retried) == 1 and retried[0]["try_number"] == 2, extract
    assert all(ti["state"] == "success" for ti in instances), [(ti["task_id"], ti["state"]) for ti in instances]
    assert sorted(tries) == [(1, "failed"), (2, "success")], tries

    settings = load_settings(home_env(cluster.kdata_home))
    home = verify_home(settings)
    key = (reference.dataset_id, reference.version)
    assert list(home.registered) == [key] and home.unregistered == []
    assert chunk_table(home.registered[key]) == chunk_table(reference)
    assert home.audits[("publish", key[0])] == 1
