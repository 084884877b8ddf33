"""The quality stage's work: run the suite over a run's chunks, write the reports and ``quality.json``.

:func:`kdata.pipeline.check_quality` runs it in the warm GX worker (:mod:`kdata.gx_worker`, which imports
this module, not the pipeline) or in its own process; both write and read the summary through
:class:`kdata.run_state.RunState` as a :class:`schemas.run.QualitySummary`.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from kcore import forked
from kcore.runlock import run_lock
from kdata.run_input import dataset_manifest, input_here, labels_in, load_plan, record_schema, units
from kdata.run_state import REPORTS, RunState

if TYPE_CHECKING:
    from kcore.config import Settings
    from schemas.run import Plan, QualitySummary

__all__ = ["quality_summary", "report_dir"]


def report_dir(settings: Settings, dataset_id: str, version: str, run_id: str) -> Path:
    """Reports of one quality run: ``$KDATA_HOME/reports/<dataset>/<version>/<run_id>/``."""
    return settings.reports_dir / dataset_id / version / run_id


def quality_summary(settings: Settings, run_id: str) -> QualitySummary:
    """The run's quality summary (``quality.json``): run the suite unless an earlier attempt did."""
    state = RunState(settings, run_id)
    with run_lock(state.dir / "quality.lock"):  # a concurrent ingest of the same input waits, then reuses it
        summary = state.read_quality()
        return summary if summary is not None else _run_quality(settings, load_plan(settings, run_id))


def _run_quality(settings: Settings, plan: Plan) -> QualitySummary:
    """Run the suite over the run's chunks, write the reports and ``quality.json``; returns the summary."""
    from quality.check import QualityInput, invalid_units, run_quality
    from schemas.run import QualitySummary

    run_id = plan.run_id
    state = RunState(settings, run_id)
    # the manifest and the source archives whose members it lists (orphan sources), nothing else
    plan = input_here(settings, plan, [a for archives in plan.sources.values() for a in archives])
    manifest = dataset_manifest(plan)
    records = units(settings, plan)
    problems = [p for u in records for p in u.problems]
    chunk_files = [state.chunk_file(state.dir / "chunks", c) for u in records for c in u.chunks]
    inp = QualityInput(
        run_id=run_id,
        dataset_id=plan.dataset_id,
        version=plan.version,
        record_schema=plan.record_schema,
        syntactic_target=manifest.quality.syntactic_validity,
        chunk_files=chunk_files,
        invalid_units=invalid_units(problems),
        problems=problems,
        targets=manifest.quality.model_copy(update={"pii_policy": plan.pii_policy}),
        pii=[u.pii for u in records],
        dataset_root=Path(plan.dataset_path),
        source_archives=plan.sources,
        labels_in=labels_in(plan),
        schema=record_schema(Path(plan.dataset_path), manifest),
        mapping=manifest.labels,
        expected_labels=manifest.counts.label,
        skipped=plan.skipped,
        limits=settings.limits,
    )
    out = report_dir(settings, plan.dataset_id, plan.version, run_id)
    if out.exists():
        shutil.rmtree(out)
    # a job of the warm worker (everything imported, no DuckDB threads to fork) draws the charts in a
    # forked child while GX validates; elsewhere in this process, after it
    fork = forked.allowed()
    summary = QualitySummary.model_validate(run_quality(inp, out, rows=settings.quality_batch_rows, fork=fork))
    state.push_folder(out, REPORTS)  # before quality.json, which says the stage is done
    state.write_quality(summary)
    return summary
