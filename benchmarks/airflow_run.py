"""What a data team waits for on Airflow: an ``ingest_korean`` DAG run from the REST trigger to ``success``,
under a real scheduler (api-server, scheduler, dag-processor, LocalExecutor, PostgreSQL metadata), beside
the same dataset through ``kdata ingest`` as one whole process.

Each run's time is the server's own: ``end_date - queued_at`` of the DAG run (no polling error). The first
run of a fresh cluster also starts the host's warm GX worker (from its ``plan`` task); later runs find it.
Reproduce: ``.venv/bin/python -m benchmarks airflow_run`` (BENCH_AIRFLOW_ITEMS=14000, ~10 MB of archives;
BENCH_AIRFLOW_RUNS=3).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import sys
import urllib.parse
from pathlib import Path
from typing import Any

from benchmarks.common import kdata_ingest, stop_gx_worker

__all__ = ["run", "run_seconds", "section"]


def _dataset(work: Path, n: int, items: int) -> Path:
    from kdata.samples.korean_dialogue import write_korean_dialogue

    folder = work / f"dataset-{n}"
    if not folder.exists():  # a new dataset id per run: each run ingests and publishes for real
        write_korean_dialogue(folder, items=items, seed=20261205 + n, dialogues_per_file=50, dataset_id=f"bench-af-{n}")
    return folder


def run_seconds(run: dict[str, Any]) -> float:
    """A DAG run's duration by the server's clock: ``end_date - queued_at``."""
    start = dt.datetime.fromisoformat(str(run["queued_at"]).replace("Z", "+00:00"))
    end = dt.datetime.fromisoformat(str(run["end_date"]).replace("Z", "+00:00"))
    return (end - start).total_seconds()


def run(work: Path) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.dags.airflow_cluster import AirflowCluster

    work.mkdir(parents=True, exist_ok=True)
    items = int(os.environ.get("BENCH_AIRFLOW_ITEMS", "14000"))
    runs = int(os.environ.get("BENCH_AIRFLOW_RUNS", "3"))
    datasets = [_dataset(work, n, items) for n in range(runs + 1)]
    size_mb = sum(p.stat().st_size for p in datasets[0].rglob("*") if p.is_file()) / 1e6
    runtime = work / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    kdata_env = {
        "KDATA_USER": "bench",
        "KDATA_ADMINS": "bench",
        "KDATA_CHUNK_BYTES": str(256 * 1024 * 1024),  # the defaults, not the test cluster's tiny chunks
        "KDATA_ROW_GROUP_BYTES": str(64 * 1024 * 1024),
        "KDATA_GX_WORKER": "warm",
        "XDG_RUNTIME_DIR": str(runtime),
    }
    home = work / "kdata-home"
    cluster = AirflowCluster(work / "cluster", home, extra_env=kdata_env)
    cluster.root.mkdir(exist_ok=True)
    seconds: list[float] = []
    tasks: dict[str, float] = {}
    try:
        cluster.start()
        cluster.wait_dag("ingest_korean")
        for dataset in datasets[:runs]:
            run_id = cluster.trigger("ingest_korean", {"dataset_path": str(dataset)})
            state = cluster.wait_run("ingest_korean", run_id)
            if state != "success":
                raise RuntimeError(f"DAG run {run_id}: {state}\n{cluster.logs()}")
            quoted = urllib.parse.quote(run_id, safe="")
            seconds.append(run_seconds(cluster.request("GET", f"/api/v2/dags/ingest_korean/dagRuns/{quoted}")))
            for ti in cluster.task_instances("ingest_korean", run_id):
                if ti.get("duration") is not None:
                    tasks[ti["task_id"]] = tasks.get(ti["task_id"], 0.0) + float(ti["duration"]) / runs
    finally:
        cluster.stop()
        stop_gx_worker(home, runtime, check=False)
    cli_home = work / "cli-home"
    cli_s, _, done = kdata_ingest(datasets[runs], {**kdata_env, "KDATA_HOME": str(cli_home)})
    stop_gx_worker(cli_home, runtime, check=False)
    return {
        "items": items,
        "size_mb": round(size_mb, 1),
        "runs": [round(s, 1) for s in seconds],
        "first_s": round(seconds[0], 1),
        "later_s": round(statistics.median(seconds[1:]), 1) if len(seconds) > 1 else None,
        "tasks": {k: round(v, 2) for k, v in sorted(tasks.items())},
        "cli_first_s": round(cli_s, 1),
        "cli_rows": sum(done["rows"].values()),
        "load": round(os.getloadavg()[0], 2),
    }


def section(r: dict[str, Any]) -> str:
    tasks = ", ".join(f"{name} {s} s" for name, s in r["tasks"].items())
    return (
        "## Airflow: a DAG run from trigger to success (`benchmarks/airflow_run.py`)\n\n"
        "| dataset | first run (starts the GX worker) | later runs (median) | all runs | `kdata ingest`, first of "
        "the day |\n|---|---|---|---|---|\n"
        f"| {r['items']:,} Korean dialogues, {r['size_mb']} MB of archives | {r['first_s']} s | {r['later_s']} s | "
        f"{r['runs']} | {r['cli_first_s']} s |\n\n"
        "`ingest_korean` triggered over the REST API of a real Airflow 3 (api-server, scheduler, dag-processor, "
        "LocalExecutor, PostgreSQL metadata DB), timed by the server (`end_date - queued_at` of the DAG run); "
        "each run a new dataset id, default chunk sizes. The scheduler's own latency (queueing each task, "
        "starting a task process per task: plan, archives, mapped extracts, quality, gate, publish, register) is "
        f"in it. Mean task durations: {tasks}. Load average at the end: {r['load']}.\n"
    )


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run(Path(sys.argv[1])), indent=2))
