"""The DAG factory: one ``ingest_<domain>`` DAG per domain that has a reader.

Tasks only wire the stage functions of :mod:`kdata.pipeline`; they pass the run id and small
summaries through XCom, never data. Heavy imports happen inside the tasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from airflow.sdk import DAG, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

__all__ = ["DEFAULT_ARGS", "build_ingest_dag", "ingest_domains"]

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-team",
    "retries": 2,
    "retry_delay": dt.timedelta(seconds=20),
    "retry_exponential_backoff": True,
    "max_retry_delay": dt.timedelta(minutes=5),
    "execution_timeout": dt.timedelta(hours=4),
}


def ingest_domains() -> list[str]:
    """Domains with at least one record schema and reader."""
    from ingest.readers import READERS
    from schemas.records import RECORD_SCHEMAS

    return sorted({RECORD_SCHEMAS[name].domain for name in READERS if name in RECORD_SCHEMAS})


def _stage(fn: Callable[..., Any], *args: Any) -> Any:
    """Call a stage; input and gate errors fail the task for good, others may be retried."""
    from kdata.config import load_settings
    from kdata.errors import BadInput, NotAllowed, QualityGateFailed

    try:
        return fn(load_settings(), *args)
    except (BadInput, QualityGateFailed, NotAllowed) as error:
        raise AirflowFailException(str(error)) from error


def build_ingest_dag(domain: str) -> DAG:
    """Build ``ingest_<domain>``: plan → extract (mapped per label archive) → quality → gate → publish → register."""
    from schemas.domains import DOMAINS

    info = DOMAINS[domain]

    @dag(
        dag_id=f"ingest_{domain}",
        description=f"{info.name_ko} ({info.name_en}) 데이터셋 수집 · ingest a dataset folder as a new version",
        schedule=None,
        start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        catchup=False,
        max_active_runs=2,
        dagrun_timeout=dt.timedelta(hours=12),
        default_args=DEFAULT_ARGS,
        tags=["kdata", "ingest", domain],
        params={
            "dataset_path": Param(
                type="string",
                minLength=1,
                title="데이터셋 경로 Dataset path",
                description="dataset.yaml이 있는 데이터셋 폴더 · the dataset folder holding dataset.yaml",
            ),
        },
        doc_md=f"Ingest one {info.name_en} ({info.name_ko}) dataset folder: see the project README.",
    )
    def ingest() -> None:
        @task
        def plan() -> str:
            from kdata import pipeline

            params = get_current_context()["params"]
            return str(_stage(pipeline.plan_run, params["dataset_path"])["run_id"])

        @task
        def archives(ingest_run: str) -> list[int]:
            """One mapped unit per label archive (AI Hub's file key is its unit of download too)."""
            from kdata import pipeline

            return list(range(len(_stage(pipeline.load_plan, ingest_run)["units"])))

        @task(max_active_tis_per_dagrun=4)
        def extract(ingest_run: str, index: int) -> dict[str, Any]:
            from kdata import pipeline

            return dict(_stage(pipeline.extract_unit, ingest_run, index))

        @task
        def validate(ingest_run: str, extracted: list[dict[str, Any]]) -> dict[str, Any]:
            from kdata import pipeline

            return dict(_stage(pipeline.check_quality, ingest_run))

        @task
        def quality_gate(verdict: dict[str, Any]) -> dict[str, Any]:
            from kdata import pipeline

            return dict(_stage(pipeline.gate, verdict))

        @task
        def publish(ingest_run: str, verdict: dict[str, Any]) -> dict[str, Any]:
            from kdata import pipeline

            return dict(_stage(pipeline.publish_run, ingest_run))

        @task
        def register(ingest_run: str, published: dict[str, Any]) -> dict[str, Any]:
            from kdata import pipeline

            return dict(_stage(pipeline.register_run, ingest_run))

        run = plan()
        extracted = extract.partial(ingest_run=run).expand(index=archives(run))
        verdict = validate(run, extracted)
        passed = quality_gate(verdict)
        published = publish(run, passed)
        register(run, published)

    return ingest()
