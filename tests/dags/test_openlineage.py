"""OpenLineage of the ingest DAGs comes from Airflow's OpenLineage provider, configured its own way.

Real DAG runs (``dag.test``) in a child process, because the provider decides once per process, when Airflow
loads its plugin, whether it listens at all: one child with ``AIRFLOW__OPENLINEAGE__TRANSPORT`` set to a file
transport runs a clean dataset and a broken one (a truncated archive: the plan task refuses it, so the run
stays cheap), one child without any OpenLineage setting runs the broken one.
Every event written is validated against the OpenLineage JSON schema (the spec's files, vendored in
``tests/fixtures/openlineage/``), each facet against the schema its ``_schemaURL`` names.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.openlineage_schema import event_validator

pytestmark = pytest.mark.integration

_RUN_DAGS = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
from airflow.listeners.listener import get_listener_manager
from kdata.airflow_env import DAGS_FOLDER

dag = DagBag(dag_folder=str(DAGS_FOLDER)).dags["ingest_korean"]
runs = []
for path in sys.argv[1:]:
    run = dag.test(run_conf={"dataset_path": path})
    runs.append({"state": str(run.state), "tasks": {t.task_id: str(t.state) for t in run.get_task_instances()}})
listeners = sorted(type(p).__name__ for p in get_listener_manager().pm.get_plugins())
print("RESULT " + json.dumps({"runs": runs, "listeners": listeners}))
"""


def _child_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENLINEAGE", "AIRFLOW__OPENLINEAGE__")) and k != "KDATA_STORE"
    }
    env.update(
        KDATA_HOME=str(home),
        KDATA_USER="tester",
        KDATA_CHUNK_BYTES="40000",
        KDATA_ROW_GROUP_BYTES="10000",
        KDATA_RETRY_DELAY="1",
        **extra,
    )
    return env


def _broken_dataset(sample_factory, folder: Path) -> Path:  # type: ignore[no-untyped-def]
    """A sample whose first label archive is cut in half: the plan task fails for good (bad input)."""
    dataset = sample_factory(items=20, copy_to=folder)
    archive = sorted(dataset.rglob("TL_*.zip"))[0]
    with archive.open("r+b") as handle:
        handle.truncate(archive.stat().st_size // 2)
    return dataset


def _run_dags(env: dict[str, str], *paths: Path) -> tuple[dict[str, Any], str]:
    proc = subprocess.run(
        [sys.executable, "-c", _RUN_DAGS, *map(str, paths)],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=env["KDATA_HOME"],
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    line = next(line for line in proc.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT ")), output


@pytest.fixture(scope="module")
def airflow_db() -> None:
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL
    )


@pytest.fixture(scope="module")
def lineage_run(airflow_db, sample_factory, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One child process, provider configured with a file transport: a clean run, then a broken one."""
    home = tmp_path_factory.mktemp("lineage") / "kdata-home"
    home.mkdir()
    events_file = home.parent / "events.jsonl"
    transport = {"type": "file", "log_file_path": str(events_file), "append": True}
    clean, broken = sample_factory(items=60), _broken_dataset(sample_factory, home.parent / "broken")
    result, _ = _run_dags(_child_env(home, AIRFLOW__OPENLINEAGE__TRANSPORT=json.dumps(transport)), clean, broken)
    events = [json.loads(line) for line in events_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {"home": home, "clean": clean, "broken": broken, "runs": result["runs"], "events": events}


def _of(events: list[dict[str, Any]], job: str, folder: Path) -> list[dict[str, Any]]:
    """Events of one job (``ingest_korean.<task>``) whose first input is ``folder``."""
    return [e for e in events if e["job"]["name"] == job and e["inputs"] and e["inputs"][0]["name"] == str(folder)]


def test_every_event_is_valid_openlineage(lineage_run: dict[str, Any]) -> None:
    validate = event_validator()
    events = lineage_run["events"]
    assert len(events) > 20
    facets_checked = set()
    for event in events:
        facets_checked |= validate(event)  # the event and every facet, against the schemas they name
    assert {
        "SchemaDatasetFacet.json",
        "OutputStatisticsOutputDatasetFacet.json",
        "DataQualityAssertionsDatasetFacet.json",
        "ErrorMessageRunFacet.json",
        "ParentRunFacet.json",
    } <= facets_checked
    assert {e["producer"] for e in events} == {events[0]["producer"]}
    assert "apache/airflow" in events[0]["producer"]  # sent by the provider, not by kdata's own client


def test_clean_run_names_folder_archives_and_published_version(lineage_run: dict[str, Any]) -> None:
    assert lineage_run["runs"][0]["state"] == "success"
    events, clean, home = lineage_run["events"], lineage_run["clean"], lineage_run["home"]
    plan_events = _of(events, "ingest_korean.plan", clean)
    register_events = _of(events, "ingest_korean.register", clean)
    assert [e["eventType"] for e in plan_events] == ["START", "COMPLETE"]
    assert [e["eventType"] for e in register_events] == ["START", "COMPLETE"]
    start, complete = register_events
    assert start["run"]["runId"] == complete["run"]["runId"]
    # the task runs hang under the DAG run (parent facet), and the DAG run completes
    parent = complete["run"]["facets"]["parent"]
    assert parent["job"]["name"] == "ingest_korean"
    [dag_complete] = [e for e in events if e["job"]["name"] == "ingest_korean" and e["eventType"] == "COMPLETE"]
    assert dag_complete["run"]["runId"] == parent["run"]["runId"]

    # inputs: the dataset folder, then every archive in it (label and source archives), with their hashes
    folder, *archives = complete["inputs"]
    assert (folder["namespace"], folder["name"]) == ("file", str(clean))
    plans = {p.parent: json.loads(p.read_text(encoding="utf-8")) for p in (home / "runs").glob("*/plan.json")}
    [(run_dir, plan)] = [(d, p) for d, p in plans.items() if p["dataset_path"] == str(clean)]
    content = json.loads((run_dir / "content.json").read_text(encoding="utf-8"))  # full hashes, at publish
    assert folder["facets"]["version"]["datasetVersion"] == content["content_sha256"]
    expected = {str(clean / path): sha for path, sha in content["archive_sha256"].items()}
    assert {a["name"]: a["facets"]["version"]["datasetVersion"] for a in archives} == expected
    assert any("라벨링데이터" in name for name in expected) and any("원천데이터" in name for name in expected)
    # the plan task, before anything was read in full: the same datasets, versioned by their fingerprints
    planned = plan_events[1]["inputs"]
    assert [i["name"] for i in planned] == [i["name"] for i in complete["inputs"]]
    assert planned[0]["facets"]["version"]["datasetVersion"] == plan["input_fingerprint"]
    assert {i["name"]: i["facets"]["version"]["datasetVersion"] for i in planned[1:]} == {
        str(clean / path): found["sha256"] for path, found in plan["archive_fingerprint"].items()
    }
    # each mapped extract task names its own label archive
    extract_inputs = {e["inputs"][1]["name"] for e in _of(events, "ingest_korean.extract", clean)}
    assert extract_inputs == {str(clean / u["archive"]) for u in plan["units"]}

    # output: the published version in the store, with schema, row count, quality assertions
    [output] = complete["outputs"]
    assert start["outputs"] == []
    assert (output["namespace"], output["name"]) == ("file", str(home / "store" / plan["dataset_id"] / "1.0"))
    facets = output["facets"]
    fields = {f["name"]: f for f in facets["schema"]["fields"]}
    assert fields["dialogue_id"]["description"].startswith("대화 ID")
    published = json.loads((home / "store" / plan["dataset_id"] / "1.0" / "manifest.json").read_text(encoding="utf-8"))
    import pyarrow.parquet as pq

    chunk = home / "store" / plan["dataset_id"] / "1.0" / published["chunks"][0]["key"]
    assert list(fields) == pq.read_schema(chunk).names  # the columns of the published Parquet, in order
    con = duckdb.connect(str(home / "catalog.duckdb"), read_only=True)
    try:
        [(catalog_rows,)] = con.execute("SELECT sum(record_count) FROM splits").fetchall()
    finally:
        con.close()
    statistics = output["outputFacets"]["outputStatistics"]
    assert statistics["rowCount"] == catalog_rows == 60
    assert statistics["size"] == sum(c["bytes"] for c in published["chunks"])
    assert statistics["fileCount"] == len(published["chunks"])
    assertions = {a["assertion"]: a for a in facets["dataQualityAssertions"]["assertions"]}
    quality = json.loads((home / "runs" / plan["run_id"] / "quality.json").read_text(encoding="utf-8"))
    assert set(assertions) == {i["key"] for i in quality["items"]}
    assert {"dialogue_id_unique", "pii_free"} <= set(assertions) and all(a["success"] for a in assertions.values())
    assert facets["version"]["datasetVersion"] == "1.0"


def test_broken_run_ends_in_fail(lineage_run: dict[str, Any]) -> None:
    run = lineage_run["runs"][1]
    assert run["state"] == "failed" and run["tasks"]["plan"] == "failed"
    events, broken = lineage_run["events"], lineage_run["broken"]
    plan_events = _of(events, "ingest_korean.plan", broken)
    assert [e["eventType"] for e in plan_events] == ["START", "FAIL"]
    start, fail = plan_events
    assert start["run"]["runId"] == fail["run"]["runId"]
    assert [(i["namespace"], i["name"]) for i in fail["inputs"]] == [("file", str(broken))]  # not planned: no archives
    assert fail["outputs"] == []
    assert "not a readable zip" in fail["run"]["facets"]["errorMessage"]["message"]
    dag_fails = [e for e in events if e["job"]["name"] == "ingest_korean" and e["eventType"] == "FAIL"]
    assert [e["run"]["runId"] for e in dag_fails] == [fail["run"]["facets"]["parent"]["run"]["runId"]]
    assert len([e for e in events if e["inputs"] and e["inputs"][0]["name"] == str(broken)]) == 2  # nothing ran after


def test_nothing_is_emitted_without_a_transport(airflow_db, sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "kdata-home"
    home.mkdir()
    result, output = _run_dags(_child_env(home), _broken_dataset(sample_factory, tmp_path / "broken"))
    assert result["runs"][0]["state"] == "failed"  # the DAG ran (a cheap run: the plan task refuses the data)
    assert "OpenLineageListener" not in result["listeners"]  # the provider stayed off
    assert '"eventType"' not in output and "emitting" not in output.lower()
    assert not list(home.parent.glob("*.jsonl"))
