"""OpenLineage run events for ``kdata ingest``: START, then COMPLETE or FAIL, sent by the standard OpenLineage
Python client to wherever the usual OpenLineage settings point (``OPENLINEAGE_URL`` for Marquez or any HTTP
endpoint, ``OPENLINEAGE_CONFIG`` / ``openlineage.yml``, or ``OPENLINEAGE__TRANSPORT__*`` variables, e.g. a
file transport). Nothing is sent, and the client is not imported, when none of them is set or
``OPENLINEAGE_DISABLED=true``.

The job is ``<namespace>.kdata_ingest`` (namespace ``OPENLINEAGE_NAMESPACE``, default ``kdata``). The input is
the dataset folder (``file`` + path, or ``s3://bucket`` + prefix); the output is the published version in
the store, with facets: ``schema`` (columns with their Korean and English docs), ``version``,
``outputStatistics`` (rows, bytes, chunks), ``dataQualityAssertions`` (every quality item, pass or fail) and
``documentation`` (the dataset title). FAIL carries ``errorMessage``. A transport error is logged, never
raised: lineage never fails an ingest.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kdata.config import Settings

if TYPE_CHECKING:
    from ingest.progress import Progress

__all__ = ["JOB_NAME", "PRODUCER", "airflow_event", "dataset_ref", "enabled", "ingest_with_lineage"]

JOB_NAME = "kdata_ingest"
PRODUCER = "https://github.com/k-data-catalog/kdata"
"""The ``producer`` of every event (the project; OpenLineage asks for a URI)."""

log = logging.getLogger("kdata.lineage")


def enabled() -> bool:
    """An OpenLineage transport is configured the usual ways (and lineage is not disabled)."""
    if os.environ.get("OPENLINEAGE_DISABLED", "").strip().lower() == "true":
        return False
    if os.environ.get("OPENLINEAGE_URL") or os.environ.get("OPENLINEAGE_CONFIG"):
        return True
    if any(name.startswith("OPENLINEAGE__TRANSPORT") for name in os.environ):
        return True
    return (Path.cwd() / "openlineage.yml").is_file() or (Path.home() / ".openlineage" / "openlineage.yml").is_file()


def dataset_ref(location: str) -> tuple[str, str]:
    """OpenLineage ``(namespace, name)`` of a location: ``s3://bucket/key`` → (``s3://bucket``, ``key``);
    a local path → (``file``, absolute path)."""
    if location.startswith("s3://"):
        bucket, _, key = location[len("s3://") :].partition("/")
        return f"s3://{bucket}", key.rstrip("/") or "/"
    return "file", str(Path(location).expanduser().absolute())


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


class _Emitter:
    def __init__(self, job_name: str = JOB_NAME, run_id: str | None = None) -> None:
        from openlineage.client import OpenLineageClient
        from openlineage.client.uuid import generate_new_uuid

        self.client = OpenLineageClient()
        self.run_id = run_id or str(generate_new_uuid())
        self.job_name = job_name
        self.namespace = os.environ.get("OPENLINEAGE_NAMESPACE") or "kdata"

    def emit(self, state: str, inputs: list[Any], outputs: list[Any], run_facets: dict[str, Any]) -> None:
        from openlineage.client.event_v2 import Job, Run, RunEvent, RunState
        from openlineage.client.facet_v2 import job_type_job

        job_facets: dict[str, Any] = {
            "jobType": job_type_job.JobTypeJobFacet(processingType="BATCH", integration="KDATA", jobType="JOB")
        }
        event = RunEvent(
            eventType=RunState[state],
            eventTime=_now(),
            run=Run(runId=self.run_id, facets=run_facets),
            job=Job(namespace=self.namespace, name=self.job_name, facets=job_facets),
            inputs=inputs,
            outputs=outputs,
            producer=PRODUCER,
        )
        try:
            self.client.emit(event)
        except Exception as error:  # deliberately broad: any transport failure; lineage never fails an ingest
            log.warning("OpenLineage %s event not sent: %s", state, error)


def _input(location: str) -> Any:
    from openlineage.client.event_v2 import InputDataset

    namespace, name = dataset_ref(location)
    return InputDataset(namespace=namespace, name=name)


def _output(settings: Settings, result: dict[str, Any]) -> Any:
    from openlineage.client.event_v2 import OutputDataset
    from openlineage.client.facet_v2 import (
        data_quality_assertions_dataset,
        dataset_version_dataset,
        documentation_dataset,
        output_statistics_output_dataset,
        schema_dataset,
    )

    from kdata.pipeline import load_plan
    from schemas.manifest import load_manifest
    from schemas.records import record_schema_for
    from storage.base import open_store
    from storage.publish import read_version_manifest, version_prefix

    plan = load_plan(settings, result["run_id"])
    manifest = load_manifest(Path(plan["dataset_path"]))
    schema = record_schema_for(manifest)
    store = open_store(settings.store)
    published = read_version_manifest(store, result["dataset_id"], result["version"]) or {"chunks": []}
    quality_path = settings.runs_dir / result["run_id"] / "quality.json"
    items = json.loads(quality_path.read_text(encoding="utf-8")).get("items", []) if quality_path.is_file() else []
    namespace, name = dataset_ref(store.uri(version_prefix(result["dataset_id"], result["version"])))
    fields = [
        schema_dataset.SchemaDatasetFacetFields(name=c.name, type=str(c.type), description=f"{c.doc_ko} · {c.doc_en}")
        for c in schema.columns
    ]
    assertions = [
        data_quality_assertions_dataset.Assertion(
            assertion=str(i.get("key")),
            success=bool(i.get("success")),
            severity="error" if i.get("severity") == "critical" else "warn",
            name=f"{i.get('item_ko', '')} · {i.get('item_en', '')}",
            expected=str(i.get("target", "")),
        )
        for i in items
    ]
    facets: dict[str, Any] = {
        "schema": schema_dataset.SchemaDatasetFacet(fields=fields),
        "version": dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=result["version"]),
        "dataQualityAssertions": data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
            assertions=assertions
        ),
        "documentation": documentation_dataset.DocumentationDatasetFacet(
            description=f"{manifest.title.ko} ({manifest.title.en})"
        ),
    }
    statistics = output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(
        rowCount=sum(result["rows"].values()),
        size=sum(int(c["bytes"]) for c in published["chunks"]),
        fileCount=len(published["chunks"]),
    )
    return OutputDataset(namespace=namespace, name=name, facets=facets, outputFacets={"outputStatistics": statistics})


def ingest_with_lineage(
    settings: Settings, dataset_path: str, *, workers: int | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """:func:`kdata.pipeline.ingest`, framed by OpenLineage START and COMPLETE (or FAIL) events when a
    transport is configured; the same result and errors either way."""
    from kdata import pipeline

    if not enabled():
        return pipeline.ingest(settings, dataset_path, workers=workers, progress=progress)
    emitter = _Emitter()
    inputs = [_input(dataset_path)]
    emitter.emit("START", inputs, [], {})
    try:
        result = pipeline.ingest(settings, dataset_path, workers=workers, progress=progress)
    except Exception as error:
        from openlineage.client.facet_v2 import error_message_run

        facet = error_message_run.ErrorMessageRunFacet(message=str(error), programmingLanguage="python")
        emitter.emit("FAIL", inputs, [], {"errorMessage": facet})
        raise
    try:
        outputs = [_output(settings, result)]
    except Exception as error:  # deliberately broad: facets are extra; the run still completes
        log.warning("OpenLineage output facets left out: %s", error)
        outputs = []
    emitter.emit("COMPLETE", inputs, outputs, {})
    return result


def airflow_event(
    state: str,
    dag_id: str,
    dag_run_id: str,
    dataset_path: str,
    *,
    settings: Settings | None = None,
    result: dict[str, Any] | None = None,
    error: str | None = None,
) -> None:
    """One event of an ``ingest_<domain>`` DAG run (job = the DAG id): ``START`` from its plan task,
    ``COMPLETE`` from its register task (``result``: the register summary with the ingest ``run_id``), ``FAIL``
    from a task that failed for good. The run id is derived from the DAG run, so the tasks' events meet."""
    if not enabled():
        return
    import uuid

    emitter = _Emitter(dag_id, str(uuid.uuid5(uuid.NAMESPACE_URL, f"kdata-airflow/{dag_id}/{dag_run_id}")))
    inputs = [_input(dataset_path)]
    outputs: list[Any] = []
    run_facets: dict[str, Any] = {}
    if state == "COMPLETE" and settings is not None and result is not None:
        try:
            outputs = [_output(settings, result)]
        except Exception as failure:  # deliberately broad: facets are extra; the run still completes
            log.warning("OpenLineage output facets left out: %s", failure)
    if state == "FAIL":
        from openlineage.client.facet_v2 import error_message_run

        message = error or "task failed"
        run_facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message=message, programmingLanguage="python"
        )
    emitter.emit(state, inputs, outputs, run_facets)
