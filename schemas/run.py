"""Typed contracts of what one ingest stage hands the next (issue 20): the run's plan, each unit's record and
the quality summary.

They are the files of a run's state (:mod:`kdata.run_state`, ``plan.json``, ``units/NNNN.json`` and
``quality.json``), read
and written only through these models, so a stage on another host (or a later version of this code) reads
exactly what the stage before it wrote. Each carries a ``format`` tag; a file with another tag, or that does
not match its model, is refused naming the file and the field (:class:`RunFileError`). A file written before
the tag existed reads as the first format.
"""

from __future__ import annotations

from typing import Any, Final, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = [
    "PLAN_FORMAT",
    "QUALITY_FORMAT",
    "UNIT_FORMAT",
    "PiiPolicy",
    "Plan",
    "PlannedUnit",
    "QualitySummary",
    "RunFileError",
    "UnitRecord",
    "read_run_file",
]

PLAN_FORMAT: Final = "kdata.plan/1"
PiiPolicy = Literal["block", "mask"]
UNIT_FORMAT: Final = "kdata.unit/1"
QUALITY_FORMAT: Final = "kdata.quality/1"


class RunFileError(ValueError):
    """A run state file that is not what its model says (names the file and the fields)."""


class PlannedUnit(BaseModel):
    """One label archive to extract (an Airflow mapped ``extract`` task)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int = Field(ge=0)
    archive: str = Field(min_length=1, description="the label archive, relative to the dataset folder")
    split: str = Field(min_length=1)
    group: int = Field(ge=0, description="the archive's number within its split (chunk names)")


class Plan(BaseModel):
    """``plan.json``: what the plan stage decided from the input (the run id derives from it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["kdata.plan/1"] = PLAN_FORMAT
    run_id: str = Field(min_length=1)
    dataset_path: str = Field(description="the dataset folder on the planning host (a copy, for s3:// input)")
    source: str = Field(description="where the input came from: an s3:// location, or the folder")
    dataset_id: str
    version: str
    record_schema: str
    manifest_sha256: str
    input_fingerprint: str
    archives: list[str] = Field(description="every archive, in the order content_sha256 hashes them")
    archive_fingerprint: dict[str, dict[str, Any]]
    chunk_bytes: int = Field(gt=0)
    row_group_bytes: int = Field(gt=0)
    pii_policy: PiiPolicy
    options: dict[str, Any] = Field(default_factory=dict)
    units: list[PlannedUnit]
    sources: dict[str, list[str]] = Field(description="source archives by split")
    labels_in: dict[str, list[str]] = Field(default_factory=dict, description="label suffixes of mixed archives")
    skipped: list[dict[str, str]] = Field(default_factory=list)
    content_sha256: str | None = Field(default=None, description="plans written before issue 18 only")
    archive_sha256: dict[str, str] | None = Field(default=None, description="plans written before issue 18 only")


class UnitRecord(BaseModel):
    """``units/NNNN.json``: one extracted label archive (written after its chunks are staged)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["kdata.unit/1"] = UNIT_FORMAT
    index: int = Field(ge=0)
    archive: str
    split: str
    labels_seen: int = Field(ge=0)
    labels_invalid: int = Field(ge=0)
    chunks: list[dict[str, Any]] = Field(description="the chunk writer's entries (key, rows, bytes, sha256, …)")
    problems: list[dict[str, Any]]
    pii: dict[str, Any] = Field(description="counts, masked examples and locations; never a raw value")
    archive_sha256: dict[str, str] = Field(default_factory=dict, description="full hashes computed while reading")

    @property
    def rows(self) -> int:
        return sum(int(c["rows"]) for c in self.chunks)


class QualitySummary(BaseModel):
    """``quality.json``: the quality stage's summary (:func:`quality.check.run_quality`), read by the gate,
    publish, register and lineage. Its keys are those of the report's ``quality_summary.json``, plus the tag."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["kdata.quality/1"] = QUALITY_FORMAT
    run_id: str = Field(min_length=1)
    dataset_id: str
    version: str
    verdict: Literal["passed", "passed_with_warnings", "failed"]
    critical_failed: list[str]
    warnings_failed: list[str]
    report: str = Field(description="the summary page (summary.html) on the host that ran the stage")
    summary_json: str = Field(description="quality_summary.json beside the report")
    result_json: str = Field(description="the GX validation result file")
    data_docs: str | None = Field(default=None, description="GX Data Docs index, when rendered")
    suite: str
    suite_version: str
    detector_version: str
    gx_version: str
    records_checked: int = Field(ge=0)
    records: int = Field(ge=0)
    orphan_sources: int = Field(ge=0)
    items: list[dict[str, Any]] = Field(description="one row per check: key, severity, success, counts, target")
    checks_by_column: dict[str, Any]
    skipped_files: list[dict[str, Any]]
    skipped_file_count: int = Field(ge=0)
    pii: dict[str, Any] = Field(description="counts, masked examples and locations; never a raw value")
    problems: list[dict[str, Any]]
    problem_count: int = Field(ge=0)
    profile: Any = Field(default=None, description="class shares and histograms for the report's charts")

    def to_json(self) -> dict[str, Any]:
        """The file's JSON form (every key, ``None`` kept: the keys of ``quality_summary.json``)."""
        return self.model_dump(mode="json")


M = TypeVar("M", bound=BaseModel)


def read_run_file(model: type[M], data: Any, where: str) -> M:
    """``data`` (a parsed JSON file) as ``model``; :class:`RunFileError` naming ``where`` and the fields."""
    if isinstance(data, dict) and "format" in data:
        expected = model.model_fields["format"].default
        if data["format"] != expected:
            raise RunFileError(
                f"{where}: format {data['format']!r}, expected {expected!r} (written by another version)"
            )
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields = "; ".join(f"field {'.'.join(map(str, e['loc'])) or '(root)'}: {e['msg']}" for e in error.errors())
        raise RunFileError(f"{where}: {fields}") from None
