"""Policy and behaviour of the DAGs: they import, carry tags and retries, and really run (dag.test)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from kdata.airflow_env import DAGS_FOLDER

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def airflow_db() -> None:
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL
    )


@pytest.fixture(scope="module")
def dagbag(airflow_db):  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))


def test_dags_import_with_tags_retries_and_timeouts(dagbag) -> None:  # type: ignore[no-untyped-def]
    assert dagbag.import_errors == {}
    assert "ingest_korean" in dagbag.dag_ids
    for dag_id in dagbag.dag_ids:
        dag = dagbag.dags[dag_id]
        assert dag.tags, dag_id
        assert dag.max_active_runs is not None and dag.max_active_runs <= 4
        assert dag.dagrun_timeout is not None
        for task in dag.tasks:
            assert task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"
            assert task.execution_timeout is not None, f"{dag_id}.{task.task_id} has no timeout"


def test_ingest_dag_shape_and_params(dagbag) -> None:  # type: ignore[no-untyped-def]
    dag = dagbag.dags["ingest_korean"]
    assert set(dag.task_ids) == {"plan", "archives", "extract", "validate", "quality_gate", "publish", "register"}
    assert dag.get_task("publish").upstream_task_ids == {"plan", "quality_gate"}
    assert "dataset_path" in dag.params
    with pytest.raises(Exception, match="dataset_path"):
        dag.params.validate()


def test_dag_test_run_publishes_and_gate_refuses(dagbag, kdata_home: Path, sample_factory, caplog, capfd) -> None:  # type: ignore[no-untyped-def]
    dag = dagbag.dags["ingest_korean"]
    caplog.set_level(logging.INFO, logger="kdata.ingest")
    run = dag.test(run_conf={"dataset_path": str(sample_factory(items=90))})
    assert str(run.state) == "success"
    # the task log: progress lines of each extract task and one summary line per task
    messages = [r.getMessage() for r in caplog.records if r.name == "kdata.ingest"]
    extracted = [m for m in messages if m.startswith("요약 summary extract_unit: ")]
    assert sum(int(m.split("행 rows ")[1].split(" ")[0]) for m in extracted) == 90
    assert any(m.startswith("추출 extract 시작 started") for m in messages)
    assert any(m.startswith("요약 summary register_run: 행 rows 90 (train 72, validation 18)") for m in messages)
    con = duckdb.connect(str(kdata_home / "catalog.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT split, record_count FROM splits ORDER BY split").fetchall() == [
            ("train", 72),
            ("validation", 18),
        ]
    finally:
        con.close()
    # One mapped extract task ran per label archive.
    plan = json.loads(next((kdata_home / "runs").glob("*/plan.json")).read_text(encoding="utf-8"))
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert len([ti for ti in run.get_task_instances() if ti.task_id == "extract"]) == len(plan["units"])
    assert states["register"] == "success"

    failed = dag.test(run_conf={"dataset_path": str(sample_factory(items=40, inject="missing-source"))})
    assert str(failed.state) == "failed"
    states = {ti.task_id: str(ti.state) for ti in failed.get_task_instances()}
    assert states["quality_gate"] == "failed"
    assert states["publish"] == "upstream_failed"
    task_log = capfd.readouterr()
    assert "\n  - missing_source: " in task_log.out + task_log.err  # the gate's failure names the label
    con = duckdb.connect(str(kdata_home / "catalog.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM versions").fetchone() == (1,)
        assert con.execute("SELECT verdict FROM quality_runs ORDER BY verdict").fetchall() == [("failed",), ("passed",)]
    finally:
        con.close()
