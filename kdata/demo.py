"""``make demo``: generate sample datasets, ingest them through the real Airflow DAG (``dag.test()``),
and print what landed in the catalog."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["demo_sets", "main", "run_dag"]


def demo_sets() -> list[tuple[str, str, int, str]]:
    """What ``make demo`` generates and ingests: ``(sample, domain, items, layout)`` of every sample whose kind
    declares a :class:`schemas.kinds.Demo` (kept small: the demo should take about a minute)."""
    from schemas.kinds import kinds

    return [
        (sample.name, kind.domain, sample.demo.items, sample.demo.layout)
        for kind in kinds().values()
        for sample in kind.samples
        if sample.demo is not None
    ]


def run_dag(domain: str, dataset_path: Path) -> str:
    """Run ``ingest_<domain>`` once in-process with ``dag.test()``; returns the DagRun state."""
    from airflow.dag_processing.dagbag import DagBag

    from kdata.airflow_env import DAGS_FOLDER

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    dag = bag.get_dag(f"ingest_{domain}")
    if dag is None:
        raise RuntimeError(f"no DAG ingest_{domain} in {DAGS_FOLDER}")
    run = dag.test(run_conf={"dataset_path": str(dataset_path)})
    return str(run.state)


def main() -> int:
    from kcore.config import load_settings
    from kdata.airflow_env import apply_airflow_environment, setup_airflow

    settings = load_settings()
    apply_airflow_environment(settings.home)
    admins = ",".join(sorted(settings.admins)) or settings.user  # the demo's own catalog: its user administers it
    os.environ.setdefault("KDATA_ADMINS", admins)  # for the DAG's tasks and the commands below (their own settings)
    print(f"KDATA_HOME={settings.home}")
    print(f"KDATA_ADMINS={admins} (관리자 admin of this demo catalog: uploads, roles)")
    print("Airflow 메타데이터 DB 준비 (airflow db migrate) ...", flush=True)
    setup_airflow()
    from kdata.samples import write_samples
    from schemas.manifest import load_manifest

    failures = 0
    names = []
    for sample, domain, items, layout in demo_sets():
        folder = settings.home / "samples" / sample
        if not folder.exists():
            write_samples(sample, folder, items=items, layout=layout, seed=7, inject=None)
        names.append(load_manifest(folder).id)
        print(f"샘플 sample: {folder}", flush=True)
        state = run_dag(domain, folder)
        print(f"DAG ingest_{domain}: {state}", flush=True)
        failures += state != "success"
    env = {**os.environ, "KDATA_HOME": str(settings.home)}
    kdata = [sys.executable, "-m", "kdata"]
    print("\n== 카탈로그 요약 catalog summary ==", flush=True)
    subprocess.run(
        [
            *kdata,
            "sql",
            "SELECT v.dataset_id, v.version, s.split, s.record_count AS rows, s.chunk_count AS chunks, "
            "v.quality_verdict AS verdict FROM versions v JOIN splits s USING (dataset_id, version) "
            "ORDER BY 1, 2, 3",
        ],
        env=env,
        check=True,
    )
    for name in names:
        subprocess.run([*kdata, "report", name], env=env, check=True)
    print("\n다음 next:  .venv/bin/kdata search 대화 --domain korean --json")
    print("           .venv/bin/kdata search --domain vision   (healthcare, manufacturing ...)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
