"""The DAG factory: one ``ingest_<domain>`` DAG per domain that has a reader.

Tasks only wire the stage functions of :mod:`kdata.pipeline`; they pass the run id and small
summaries through XCom, never data. Heavy imports happen inside the tasks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from airflow.providers.standard.decorators.python import _PythonDecoratedOperator
from airflow.sdk import DAG, Asset, AssetAlias, Param, dag, get_current_context, task
from airflow.sdk.bases.decorator import task_decorator_factory
from airflow.sdk.exceptions import AirflowFailException

from kcore.config import retry_delay_seconds

__all__ = [
    "CATALOG_POOL",
    "DEFAULT_ARGS",
    "PUBLISHED_ALIAS",
    "TASK_LOG",
    "IngestTaskOperator",
    "build_ingest_dag",
    "dataset_asset",
    "ingest_domains",
    "ingest_task",
    "task_summary_line",
]

CATALOG_POOL = "kdata_catalog"
"""The pool of every task that writes the catalog (created by the project setup): one slot for the embedded
DuckDB file, a throttle of four on the shared PostgreSQL catalog (:func:`kdata.airflow_env.setup_airflow`)."""

PUBLISHED_ALIAS = AssetAlias("kdata-published")
"""Every publication adds an event to the asset of its dataset through this alias."""


DEFAULT_ARGS: dict[str, Any] = {
    "owner": "data-team",
    "retries": 2,
    "retry_delay": dt.timedelta(seconds=retry_delay_seconds()),  # KDATA_RETRY_DELAY seconds; tests: 1
    "retry_exponential_backoff": True,
    "max_retry_delay": dt.timedelta(minutes=5),
    "execution_timeout": dt.timedelta(hours=4),
}


def ingest_domains() -> list[str]:
    """Every roadmap domain: the mapping engine reads any of them (``labels:`` in ``dataset.yaml``)."""
    from schemas.domains import DOMAINS

    return list(DOMAINS)


TASK_LOG = "kdata.ingest"
"""Logger of the ingest tasks' progress and summary lines (they land in the Airflow task log)."""


def _stage(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a stage; input and gate errors fail the task for good, others may be retried. A stage that
    returns a summary gets one line in the task log (rows, chunks, problems, verdict where it has them)."""
    import logging

    from kcore.config import load_settings
    from kcore.errors import BadInput, NotAllowed, QualityGateFailed

    try:
        result = fn(load_settings(), *args, **kwargs)
    except QualityGateFailed as error:  # the task log names the first failing files, as the CLI does
        raise AirflowFailException("\n  - ".join([str(error), *error.examples])) from error
    except (BadInput, NotAllowed) as error:
        raise AirflowFailException(str(error)) from error
    if isinstance(result, dict):
        logging.getLogger(TASK_LOG).info("%s", task_summary_line(fn.__name__, result))
    return result


def task_summary_line(stage: str, result: dict[str, Any]) -> str:
    """One line per task: ``요약 summary extract_unit: 행 rows 1,200 · 청크 chunks 3 · 문제 problems 0``."""
    parts = []
    rows = result.get("rows")
    if isinstance(rows, dict):
        parts.append(f"행 rows {sum(rows.values()):,} ({', '.join(f'{k} {v:,}' for k, v in sorted(rows.items()))})")
    elif isinstance(rows, int):
        parts.append(f"행 rows {rows:,}")
    for key, label in (("chunks", "청크 chunks"), ("problems", "문제 problems"), ("units", "압축파일 archives")):
        if isinstance(result.get(key), int):
            parts.append(f"{label} {result[key]:,}")
    if "verdict" in result:
        parts.append(f"판정 verdict {result['verdict']}")
    if "uploaded" in result:
        parts.append(f"올림 uploaded {result['uploaded']}")
    return f"요약 summary {stage}: " + (" · ".join(parts) or "완료 done")


class IngestTaskOperator(_PythonDecoratedOperator):
    """A TaskFlow task of an ``ingest_<domain>`` DAG that tells Airflow's OpenLineage provider what it reads
    and writes: it implements the provider's OpenLineage methods (``get_openlineage_facets_on_start`` /
    ``_on_complete`` / ``_on_failure``, used by its ``DefaultExtractor``), so START, COMPLETE and FAIL events
    of each task carry the dataset folder and its archives as inputs and, for ``register``, the published
    version with its schema, statistics and quality assertions as the output (:func:`kdata.lineage.task_lineage`).

    The provider sends nothing unless it is configured (``[openlineage] transport`` ...); then these methods
    run in the task's process (the provider forks to send), never in DAG parsing. The base class is what
    ``@task`` itself runs (the standard provider's ``_PythonDecoratedOperator``), so the tasks behave as before;
    the provider picks these methods up by their names (its ``DefaultExtractor``), since no extractor is
    registered for this class."""

    _kdata_location: str = ""
    _kdata_result: Any = None

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        super().render_template_fields(context, jinja_env)
        self._kdata_location = str((context.get("params") or {}).get("dataset_path") or "")

    def execute(self, context: Any) -> Any:
        result = super().execute(context)
        self._kdata_result = result
        return result

    def _kdata_run_id(self) -> str | None:
        """The ingest run: ``plan``'s result, else the ``ingest_run`` argument (or a verdict's ``run_id``)."""
        if self.task_id == "plan":
            return self._kdata_result if isinstance(self._kdata_result, str) else None
        args = list(self.op_args or ())
        value = self.op_kwargs.get("ingest_run", args[0] if args else None)
        if isinstance(value, dict):
            value = value.get("run_id")
        return value if isinstance(value, str) else None

    def _kdata_lineage(self, *, completed: bool) -> Any:
        import logging

        from airflow.providers.openlineage.extractors import OperatorLineage

        from kcore.config import load_settings
        from kdata.lineage import task_lineage

        settings = load_settings()
        run_id, index = self._kdata_run_id(), self.op_kwargs.get("index")
        registered = None
        if completed and self.task_id == "register" and isinstance(self._kdata_result, dict):
            registered = self._kdata_result
        inputs: list[Any] = []
        outputs: list[Any] = []
        for wanted in [registered, None] if registered is not None else [None]:
            try:  # the output's facets read the store and the quality result; without them, the inputs
                inputs, outputs = task_lineage(
                    settings, self.task_id, self._kdata_location, run_id, index=index, registered=wanted
                )
                break
            except Exception as error:  # deliberately broad: lineage never fails a task; the event still goes out
                logging.getLogger(TASK_LOG).warning("OpenLineage datasets left out: %s", error)
        return OperatorLineage(inputs=inputs, outputs=outputs)

    def get_openlineage_facets_on_start(self) -> Any:
        return self._kdata_lineage(completed=False)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        return self._kdata_lineage(completed=True)

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> Any:
        return self._kdata_lineage(completed=False)


def ingest_task(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
    """``@task`` for the ingest DAGs: the same TaskFlow task, run by :class:`IngestTaskOperator`."""
    return task_decorator_factory(
        python_callable=python_callable, decorated_operator_class=IngestTaskOperator, **kwargs
    )


def dataset_asset(store_uri: str, dataset_id: str) -> Asset:
    """The Airflow asset of a dataset: its folder in the object store (``file://`` or ``s3://``)."""
    base = store_uri if "://" in store_uri else "file://" + store_uri
    return Asset(name=f"kdata.{dataset_id}", uri=f"{base.rstrip('/')}/{dataset_id}/")


def _dag_doc(domain: str) -> str:
    """The DAG's page: what it ingests, with the kinds of its domain that have a reader (``schemas.kinds``)."""
    from schemas.domains import DOMAINS
    from schemas.kinds import kinds

    info = DOMAINS[domain]
    lines = [f"Ingest one {info.name_en} ({info.name_ko}) dataset folder: see the project README."]
    own = [k for k in kinds().values() if k.domain == domain and k.has_reader]
    if own:
        lines += ["", "Built-in kinds (`record_schema:` in dataset.yaml); any other shape: `labels:`", ""]
        lines += [f"- `{k.name}`: {k.help}" for k in own]
    return "\n".join(lines)


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
                description="dataset.yaml이 있는 데이터셋 폴더 (로컬 경로 또는 s3://bucket/prefix) · "
                "the dataset folder holding dataset.yaml (a local path or s3://bucket/prefix)",
            ),
            "version_note": Param(
                "",
                type="string",
                maxLength=2000,
                title="버전 메모 Version note",
                description="이 버전에서 바뀐 점 (비우면 dataset.yaml의 version_note) · what changed in this version",
            ),
            "chunk_mb": Param(
                None,
                type=["null", "integer"],
                minimum=1,
                maximum=4096,
                title="청크 크기 MiB Chunk size",
                description="Parquet 청크 목표 크기 (비우면 기본 256) · target chunk size in MiB (empty: default 256)",
            ),
            "pii_policy": Param(
                "manifest",
                type="string",
                enum=["manifest", "block", "mask"],
                title="개인정보 정책 PII policy",
                description="manifest: dataset.yaml을 따름 · block: 발견 시 게시 거부 · mask: 토큰으로 치환 "
                "(헬스케어는 항상 block) · follow the manifest, block publication, or mask with tokens",
            ),
        },
        doc_md=_dag_doc(domain),
    )
    def ingest() -> None:
        @ingest_task
        def plan() -> str:
            import logging

            from ingest.progress import LogProgress
            from kcore.config import load_settings
            from kdata import gx_worker, pipeline

            gx_worker.prewarm(load_settings())  # this host's quality task finds GX imported (warm worker)
            params = get_current_context()["params"]
            options = pipeline.RunOptions(
                version_note=params.get("version_note") or None,
                chunk_bytes=params["chunk_mb"] * 1024 * 1024 if params.get("chunk_mb") else None,
                pii_policy=None if params.get("pii_policy") in (None, "manifest") else params["pii_policy"],
            )
            progress = LogProgress(logging.getLogger(TASK_LOG), interval_s=10.0, every_percent=10.0)
            progress.stage("plan")  # totals once the archives are found; then one line per 10 s / 10 % hashed
            return str(_stage(pipeline.plan_run, params["dataset_path"], options, progress=progress)["run_id"])

        @ingest_task
        def archives(ingest_run: str) -> list[int]:
            """One mapped unit per label archive (AI Hub's file key is its unit of download too)."""
            from kdata.run_input import load_plan

            return list(range(len(_stage(load_plan, ingest_run).units)))

        @ingest_task(max_active_tis_per_dagrun=4)
        def extract(ingest_run: str, index: int) -> dict[str, Any]:
            import logging

            from ingest.progress import LogProgress
            from kdata import pipeline

            progress = LogProgress(logging.getLogger(TASK_LOG), interval_s=10.0, every_percent=10.0)
            progress.stage("extract")  # one archive: its size is learnt when reading begins
            return dict(_stage(pipeline.extract_unit, ingest_run, index, progress=progress))

        @ingest_task(pool=CATALOG_POOL)
        def validate(ingest_run: str, extracted: list[dict[str, Any]]) -> dict[str, Any]:
            from kdata import pipeline

            return dict(_stage(pipeline.check_quality, ingest_run))

        @ingest_task
        def quality_gate(verdict: dict[str, Any]) -> dict[str, Any]:
            from kdata import pipeline

            return dict(_stage(pipeline.gate, verdict))

        @ingest_task
        def publish(ingest_run: str, verdict: dict[str, Any]) -> dict[str, Any]:
            from kdata import pipeline

            return dict(_stage(pipeline.publish_run, ingest_run))

        @ingest_task(pool=CATALOG_POOL, outlets=[PUBLISHED_ALIAS])
        def register(ingest_run: str, published: dict[str, Any], *, outlet_events: Any = None) -> dict[str, Any]:
            from kcore.config import load_settings
            from kdata import pipeline

            registered = dict(_stage(pipeline.register_run, ingest_run))
            asset = dataset_asset(load_settings().store, registered["dataset_id"])
            outlet_events[PUBLISHED_ALIAS].add(
                asset,
                extra={
                    "version": registered["version"],
                    "manifest": published["manifest"],
                    "rows": registered["rows"],
                    "chunks": registered["chunks"],
                },
            )
            return registered

        run = plan()
        extracted = extract.partial(ingest_run=run).expand(index=archives(run))
        verdict = validate(run, extracted)
        passed = quality_gate(verdict)
        published = publish(run, passed)
        register(run, published)

    return ingest()


def build_landing_dag() -> DAG:
    """``discover_landing``: scan the landing zone on a schedule and trigger ``ingest_<domain>`` once
    per new content (the triggered run id is derived from the content fingerprint)."""
    from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator

    @dag(
        dag_id="discover_landing",
        description="랜딩 존 탐색 · find new or changed dataset folders and trigger their ingest DAG",
        schedule=dt.timedelta(minutes=15),
        start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        catchup=False,
        max_active_runs=1,
        dagrun_timeout=dt.timedelta(hours=1),
        default_args={**DEFAULT_ARGS, "execution_timeout": dt.timedelta(minutes=30)},
        tags=["kdata", "landing"],
        params={
            "landing": Param(
                None,
                type=["null", "string"],
                title="랜딩 존 Landing zone",
                description="새 데이터셋 폴더가 도착하는 곳: 로컬 폴더 또는 s3://bucket/prefix "
                "(비우면 KDATA_LANDING 또는 $KDATA_HOME/landing) · where dataset folders arrive: a local folder "
                "or s3://bucket/prefix (empty: KDATA_LANDING or $KDATA_HOME/landing)",
            ),
        },
    )
    def discover_landing() -> None:
        @task
        def scan() -> list[dict[str, Any]]:
            from pathlib import Path

            from kcore.config import load_settings
            from kdata.landing import scan_landing

            settings = load_settings()
            landing = get_current_context()["params"].get("landing") or settings.landing
            root: Path | str = settings.home / "landing"
            if landing:  # a local folder, or s3://bucket/prefix (AWS_* variables, as for KDATA_STORE)
                root = landing if landing.startswith("s3://") else Path(landing)
            found = scan_landing(root, settings.home, set(ingest_domains()))
            for problem in found["problems"]:
                print(f"skipped {problem['path']}: {problem['error']}")
            return found["ready"]

        @task
        def trigger_kwargs(ready: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [
                {
                    "trigger_dag_id": f"ingest_{item['domain']}",
                    "trigger_run_id": f"landing__{item['dataset_id']}__{item['version']}__{item['fingerprint'][:16]}",
                    "conf": {"dataset_path": item["dataset_path"]},
                }
                for item in ready
            ]

        @task
        def remember(ready: list[dict[str, Any]]) -> int:
            from kcore.config import load_settings
            from kdata.landing import mark_triggered

            mark_triggered(load_settings().home, ready)
            return len(ready)

        ready = scan()
        triggered = TriggerDagRunOperator.partial(
            task_id="trigger_ingest", skip_when_already_exists=True, wait_for_completion=False
        ).expand_kwargs(trigger_kwargs(ready))
        triggered >> remember(ready)

    return discover_landing()
