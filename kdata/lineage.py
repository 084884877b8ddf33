"""OpenLineage for ingests: the datasets and facets of a run, and the events of ``kdata ingest``.

Two senders, one description of the data:

* **Airflow** (the ``ingest_<domain>`` DAGs): events come from Airflow's OpenLineage provider
  (``apache-airflow-providers-openlineage``), configured by its own settings (``[openlineage] transport`` /
  ``AIRFLOW__OPENLINEAGE__TRANSPORT``, ``disabled``, ...; off when no transport is configured). The DAG's tasks
  implement the provider's OpenLineage methods (:class:`kdata.airflow_dags.IngestTaskOperator`), which call
  :func:`task_lineage` here for their inputs and outputs. Nothing in this module sends anything on Airflow.
* **``kdata ingest``** (outside Airflow): :func:`ingest_with_lineage` sends START, then COMPLETE or FAIL,
  with the plain ``openlineage-python`` client to wherever the usual OpenLineage settings point
  (``OPENLINEAGE_URL`` for Marquez or any HTTP endpoint, ``OPENLINEAGE_CONFIG`` / ``openlineage.yml``, or
  ``OPENLINEAGE__TRANSPORT__*`` variables, e.g. a file transport). Nothing is sent, and the client is not
  imported, when none of them is set or ``OPENLINEAGE_DISABLED=true``. The job is ``<namespace>.kdata_ingest``
  (namespace ``OPENLINEAGE_NAMESPACE``, default ``kdata``). A transport error is logged, never raised.

Inputs: the dataset folder (``file`` + path, or ``s3://bucket`` + prefix; facet ``version`` = the content
hash of the run's plan) and, once planned, each archive in it (facet ``version`` = its sha256). Output: the
published version in the store, with facets ``schema`` (columns with their Korean and English docs),
``version``, ``outputStatistics`` (rows, bytes, chunks), ``dataQualityAssertions`` (every quality item, pass
or fail) and ``documentation`` (the dataset title).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kcore.config import Settings
from kdata.run_state import RunState

if TYPE_CHECKING:
    from ingest.progress import Progress

__all__ = [
    "JOB_NAME",
    "PRODUCER",
    "dataset_ref",
    "enabled",
    "ingest_with_lineage",
    "input_datasets",
    "output_dataset",
    "task_lineage",
]

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


def _join(location: str, relative: str) -> str:
    return f"{location.rstrip('/')}/{relative}" if location.startswith("s3://") else str(Path(location) / relative)


def input_datasets(
    location: str, plan: dict[str, Any] | None = None, *, archives: list[str] | None = None
) -> list[Any]:
    """The inputs of a run: the dataset folder (or S3 prefix) and, when the run is planned, its archives
    (``archives``: only these, e.g. the one archive of an extract task; default every archive found).

    With a plan the folder is its ``source`` (the ``s3://`` location the user gave, not the local copy)."""
    from openlineage.client.event_v2 import InputDataset
    from openlineage.client.facet_v2 import dataset_version_dataset

    def version(value: str) -> dict[str, Any]:
        return {"version": dataset_version_dataset.DatasetVersionDatasetFacet(datasetVersion=value)}

    if plan is None:
        namespace, name = dataset_ref(location)
        return [InputDataset(namespace=namespace, name=name)]
    source = str(plan.get("source") or plan["dataset_path"])
    namespace, name = dataset_ref(source)
    content, hashes = _versions(plan)
    inputs = [InputDataset(namespace=namespace, name=name, facets=version(content))]
    for archive in sorted(hashes) if archives is None else archives:
        namespace, name = dataset_ref(_join(source, archive))
        inputs.append(InputDataset(namespace=namespace, name=name, facets=version(hashes.get(archive, ""))))
    return inputs


def _versions(plan: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The folder's and each archive's version: the full-content sha256s once the run was published
    (``plan["content"]``: :func:`kdata.pipeline.read_content` of the run's state), before that the plan's
    fingerprints (``input_fingerprint``, each archive's fingerprint sha256)."""
    published = plan.get("content")
    if published is not None:
        return str(published[0]), dict(published[1])
    if "content_sha256" in plan:  # a plan written before archives were fingerprinted
        return str(plan["content_sha256"]), dict(plan.get("archive_sha256", {}))
    fingerprints: dict[str, Any] = plan.get("archive_fingerprint", {})
    order = plan.get("archives") or sorted(fingerprints)
    return str(plan.get("input_fingerprint", "")), {a: str(fingerprints.get(a, {}).get("sha256", "")) for a in order}


def output_dataset(settings: Settings, plan: dict[str, Any], result: dict[str, Any]) -> Any:
    """The published version (``result``: the summary of its registration: dataset id, version, rows per
    split) as an OpenLineage output with its schema, statistics and quality assertions."""
    from openlineage.client.event_v2 import OutputDataset
    from openlineage.client.facet_v2 import (
        data_quality_assertions_dataset,
        dataset_version_dataset,
        documentation_dataset,
        output_statistics_output_dataset,
        schema_dataset,
    )

    from schemas.manifest import load_manifest
    from schemas.mapped import record_schema_for
    from storage.layout import version_prefix
    from storage.publish import load_version_manifest
    from storage.stores import open_store

    manifest = load_manifest(Path(plan["dataset_path"]))
    schema = record_schema_for(manifest)
    store = open_store(settings.store)
    published = load_version_manifest(store, result["dataset_id"], result["version"])
    chunks = published.chunks if published is not None else []
    quality = RunState(settings, plan["run_id"]).read_quality()
    items = quality.items if quality is not None else []
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
        size=sum(c.bytes for c in chunks),
        fileCount=len(chunks),
    )
    return OutputDataset(namespace=namespace, name=name, facets=facets, outputFacets={"outputStatistics": statistics})


def task_lineage(
    settings: Settings,
    task_id: str,
    location: str,
    run_id: str | None,
    *,
    index: int | None = None,
    registered: dict[str, Any] | None = None,
) -> tuple[list[Any], list[Any]]:
    """Inputs and outputs of one task of an ``ingest_<domain>`` DAG run, for the OpenLineage provider.

    ``location``: the DAG run's ``dataset_path``; ``run_id``: the ingest run, once planned (then the folder
    and archives come from its plan). ``plan`` and ``register`` name the folder and every archive; an
    ``extract`` task (``index``) its own archive; the other tasks the folder. ``registered`` (the summary of
    a successful ``register``) adds the published version as the output."""
    from kdata.pipeline import read_content
    from kdata.run_input import input_here, load_plan

    plan = None
    if run_id:
        try:
            found = load_plan(settings, run_id)
            if registered is not None:  # the output's schema is read from the manifest
                found = input_here(settings, found)
            plan = {
                **found.model_dump(exclude_none=True),
                "content": read_content(RunState(settings, run_id)),
            }
        except Exception as error:  # deliberately broad: lineage never fails a task; the folder still shows
            log.warning("OpenLineage: plan of %s not read: %s", run_id, error)
    if plan is None:
        return (input_datasets(location) if location else []), []
    if task_id == "extract" and index is not None and index < len(plan["units"]):
        inputs = input_datasets(location, plan, archives=[plan["units"][index]["archive"]])
    elif task_id in ("plan", "register"):
        inputs = input_datasets(location, plan)
    else:
        inputs = input_datasets(location, plan, archives=[])
    outputs = [output_dataset(settings, plan, registered)] if registered is not None else []
    return inputs, outputs


def ingest_with_lineage(
    settings: Settings, dataset_path: str, *, workers: int | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """:func:`kdata.pipeline.ingest`, framed by OpenLineage START and COMPLETE (or FAIL) events when a
    transport is configured; the same result and errors either way."""
    from kdata import pipeline

    if not enabled():
        return pipeline.ingest(settings, dataset_path, workers=workers, progress=progress)
    emitter = _Emitter()
    emitter.emit("START", input_datasets(dataset_path), [], {})
    try:
        result = pipeline.ingest(settings, dataset_path, workers=workers, progress=progress)
    except Exception as error:
        from openlineage.client.facet_v2 import error_message_run

        facet = error_message_run.ErrorMessageRunFacet(message=str(error), programmingLanguage="python")
        emitter.emit("FAIL", input_datasets(dataset_path), [], {"errorMessage": facet})
        raise
    try:
        inputs, outputs = task_lineage(settings, "register", dataset_path, result["run_id"], registered=result)
    except Exception as error:  # deliberately broad: facets are extra; the run still completes
        log.warning("OpenLineage output facets left out: %s", error)
        inputs, outputs = input_datasets(dataset_path), []
    emitter.emit("COMPLETE", inputs, outputs, {})
    return result
