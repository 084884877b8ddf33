"""Landing-zone discovery: new or changed folders are found once; the DAG triggers each once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kdata.landing import fingerprint, mark_triggered, scan_landing


def test_scan_finds_new_and_changed_folders_once(tmp_path: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    landing, home = tmp_path / "landing", tmp_path / "home"
    first = sample_factory(items=10, copy_to=landing / "a")
    (landing / "broken").mkdir()
    (landing / "broken" / "dataset.yaml").write_text("id: [", encoding="utf-8")
    found = scan_landing(landing, home, {"korean"})
    assert [r["dataset_id"] for r in found["ready"]] == ["korean-sns-dialogue"]
    assert [p["path"] for p in found["problems"]] == [str(landing / "broken")]
    mark_triggered(home, found["ready"])
    assert scan_landing(landing, home, {"korean"})["ready"] == []  # rescanning finds nothing new
    before = fingerprint(first)
    archive = next(first.rglob("TL_*.zip"))
    archive.write_bytes(archive.read_bytes() + b"\0")  # changed content
    assert fingerprint(first) != before
    assert [r["dataset_path"] for r in scan_landing(landing, home, {"korean"})["ready"]] == [str(first)]
    errors = [p["error"] for p in scan_landing(landing, home, set())["problems"]]
    assert any(e.startswith("no ingest DAG") for e in errors)


@pytest.mark.integration
def test_discover_landing_dag_triggers_once(tmp_path: Path, kdata_home: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    from kdata.airflow_env import DAGS_FOLDER

    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL
    )
    landing = tmp_path / "landing"
    sample_factory(items=10, copy_to=landing / "ds1")
    dag = DagBag(dag_folder=str(DAGS_FOLDER)).dags["discover_landing"]

    def triggered() -> list[str]:
        with create_session() as session:
            runs = session.query(DagRun).filter(DagRun.dag_id == "ingest_korean").all()
            return sorted(r.run_id for r in runs if r.run_id.startswith("landing__"))

    before = triggered()
    run = dag.test(run_conf={"landing": str(landing)})
    assert str(run.state) == "success"
    new = sorted(set(triggered()) - set(before))
    assert len(new) == 1 and new[0].startswith("landing__korean-sns-dialogue__1.0__")
    again = dag.test(run_conf={"landing": str(landing)})
    assert str(again.state) == "success"
    assert sorted(set(triggered()) - set(before)) == new  # rescanning triggers nothing new
