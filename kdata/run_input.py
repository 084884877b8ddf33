"""What a pipeline stage reads of its run (issue 20): the plan, the part of the input it reads on this host,
the units' records, the dataset manifest and record schema.

:func:`load_plan` reads the plan only. A stage that reads the input asks :func:`input_here` for exactly what
it reads: ``dataset.yaml`` (every stage that needs the manifest: quality, publish, register), plus the
archives it opens (an extract its unit's label archive and the split's source archives; the quality stage
the source archives it lists; publish an archive no unit read in full). With an ``s3://`` input a host
that lacks them copies those files only (:func:`storage.s3_input.fetch_dataset` with ``only``); the
manifest must be the one the plan read (sha256), and each archive is checked against the plan's
fingerprint when it is read.

Imported by :mod:`kdata.pipeline` and :mod:`kdata.quality_stage` (which the warm GX worker imports), so the
quality stage needs nothing from the pipeline module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ingest.chunks import sha256_file
from kcore.errors import BadInput
from kdata.run_state import PLAN, RunState
from schemas.manifest import DATASET_YAML, DatasetManifest, ManifestError, load_manifest

if TYPE_CHECKING:
    from collections.abc import Iterable

    from kcore.config import Settings
    from schemas.records import RecordSchema
    from schemas.run import Plan, UnitRecord

__all__ = ["dataset_manifest", "input_here", "labels_in", "load_plan", "record_schema", "units"]


def load_plan(settings: Settings, run_id: str) -> Plan:
    """The run's plan (from this host's cache or the store); nothing of the input is copied here."""
    state = RunState(settings, run_id)
    plan = state.read_plan()
    if plan is None:
        where = state.store.uri(state.key(PLAN)) if state.remote else state.dir / PLAN
        raise BadInput(f"unknown run {run_id!r}: {where} does not exist")
    return plan


def _present(root: Path, archives: Iterable[str]) -> bool:
    """``root`` holds ``dataset.yaml`` and every archive (whole or all its pieces)."""
    from ingest.archives import archive_pieces

    if not (root / DATASET_YAML).is_file():
        return False
    try:
        return all(all(p.is_file() for p in archive_pieces(root / rel)) for rel in archives)
    except BadInput:  # a piece missing (a part of the folder copied here): not present
        return False


def input_here(settings: Settings, plan: Plan, archives: Iterable[str] = ()) -> Plan:
    """``plan`` with ``dataset_path`` on this host holding ``dataset.yaml`` and ``archives`` (paths relative
    to the dataset folder). A run planned from ``s3://…`` on another host (or before this host's
    ``KDATA_HOME`` was emptied) gets this host's copy of those files only, whose manifest must be the one the
    plan read (the archives are checked against their fingerprints when read). A local folder is used as it
    is (the readers report what is missing)."""
    wanted = sorted(set(archives))
    source = plan.source
    if not source.startswith("s3://") or _present(Path(plan.dataset_path), wanted):
        return plan
    from storage.s3_input import fetch_dataset

    root = fetch_dataset(settings, source, only=wanted)
    if sha256_file(root / DATASET_YAML) != plan.manifest_sha256:
        raise BadInput(f"{source}/{DATASET_YAML}: changed since run {plan.run_id} was planned; ingest again")
    return plan.model_copy(update={"dataset_path": str(root)})


def dataset_manifest(plan: Plan) -> DatasetManifest:
    """The run's ``dataset.yaml`` (call :func:`input_here` first)."""
    return load_manifest(Path(plan.dataset_path))


def record_schema(root: Path, manifest: DatasetManifest) -> RecordSchema:
    """The dataset's record schema (built-in, or derived from ``labels:``); :class:`BadInput` naming
    the manifest field when there is no reader or the mapping's blocks disagree."""
    from schemas.mapped import record_schema_for
    from schemas.records import RECORD_SCHEMAS

    if manifest.record_schema is not None and manifest.record_schema not in RECORD_SCHEMAS:
        raise BadInput(
            f"{root / DATASET_YAML}: field 'record_schema': no reader for {manifest.record_schema!r} "
            f"(known: {', '.join(RECORD_SCHEMAS)}); or describe the labels with labels:"
        )
    try:
        return record_schema_for(manifest)
    except ValueError as error:
        raise BadInput(str(ManifestError(root / DATASET_YAML, [f"field 'labels': {error}"]))) from None


def labels_in(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Mixed archives of the plan and the suffixes of their label files (not sources)."""
    return {archive: tuple(suffixes) for archive, suffixes in plan.labels_in.items()}


def units(settings: Settings, plan: Plan) -> list[UnitRecord]:
    """Every unit's record; :class:`BadInput` naming the first archive not extracted yet."""
    state = RunState(settings, plan.run_id)
    found = []
    for unit in plan.units:
        record = state.read_unit(unit.index)
        if record is None:
            raise BadInput(f"run {plan.run_id}: archive {unit.archive} has not been extracted")
        found.append(record)
    return found
