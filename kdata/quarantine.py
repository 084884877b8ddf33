"""Quarantine (격리): every refused input leaves a record, as JSON and as a catalog row.

- An archive refused by the safety check or while it is read (:class:`~ingest.limits.UnsafeArchive`,
  exit 2) is recorded by :func:`quarantines`, a decorator on the pipeline stages ``plan_run`` and
  ``extract_unit``: ``$KDATA_HOME/quarantine/<run or input>.json`` and a row of the ``quarantine``
  table (reason code, archive, its sha256, member, message, time). The error is then raised as before.
- A run the quality gate refused (exit 3) is recorded by :func:`record_gate_refusal`.

Rows are written once per (run, stage, reason, archive, member): a retried task adds nothing.
``kdata sql "SELECT reason, archive, archive_sha256 FROM quarantine"`` lists them.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ingest.limits import UnsafeArchive
from kcore.atomic import write_atomic
from kcore.config import Settings
from kcore.errors import BadInput, KDataError

if TYPE_CHECKING:
    from schemas.run import Plan

__all__ = ["QuarantineRecord", "quarantines", "record_gate_refusal", "record_quarantine"]

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class QuarantineRecord:
    """One refused input; see ``catalog/migrations/0005_quarantine.sql`` for the fields."""

    dataset_path: str
    stage: str
    reason: str
    message: str
    run_id: str | None = None
    dataset_id: str | None = None
    version: str | None = None
    archive: str | None = None
    archive_sha256: str | None = None
    member: str | None = None
    report: str | None = None

    def file_name(self) -> str:
        """``<run_id>.json``, or a name derived from the input when there is no run id yet."""
        if self.run_id:
            return f"{self.run_id}.json"
        key = f"{self.dataset_path}\0{self.archive}\0{self.archive_sha256}\0{self.reason}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        return f"{self.dataset_id or 'dataset'}-{self.version or 'unknown'}-{self.reason}-{digest}.json"


def _write_json(path: Path, data: dict[str, Any]) -> None:
    write_atomic(path, (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode(), fsync=False)


def _insert_row(settings: Settings, record: QuarantineRecord, path: Path, when: datetime) -> None:
    from catalog.db import connect, transaction

    def work() -> None:
        found = con.execute(
            "SELECT 1 FROM quarantine WHERE run_id IS NOT DISTINCT FROM ? AND stage = ? AND reason = ? "
            "AND archive IS NOT DISTINCT FROM ? AND member IS NOT DISTINCT FROM ? "
            "AND dataset_path = ? AND archive_sha256 IS NOT DISTINCT FROM ?",
            [
                record.run_id,
                record.stage,
                record.reason,
                record.archive,
                record.member,
                record.dataset_path,
                record.archive_sha256,
            ],
        ).fetchone()
        if found is None:
            con.execute(
                "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    record.run_id,
                    record.dataset_id,
                    record.version,
                    record.dataset_path,
                    record.stage,
                    record.reason,
                    record.archive,
                    record.archive_sha256,
                    record.member,
                    record.message,
                    record.report,
                    str(path),
                    when.replace(tzinfo=None),
                    settings.user,
                ],
            )

    with connect(settings) as con:
        transaction(con, work)


def record_quarantine(settings: Settings, record: QuarantineRecord, *, json_path: Path | None = None) -> Path:
    """Write the JSON record (unless ``json_path`` names one already written) and the catalog row.

    A busy catalog does not hide the refusal: the JSON stays, the row is logged as missing.
    """
    when = datetime.now(UTC)
    path = json_path or settings.home / "quarantine" / record.file_name()
    if json_path is None:
        _write_json(path, {**asdict(record), "quarantined_at": when.isoformat(), "quarantined_by": settings.user})
    try:
        _insert_row(settings, record, path, when)
    except KDataError as error:
        log.warning("quarantine row for %s not recorded in the catalog: %s", path, error)
    return path


# -- the pipeline's rejections ---------------------------------------------------------------------


def _relative(root: Path, archive: str) -> str:
    path = Path(archive)
    if path.is_absolute() and path.is_relative_to(root):
        return path.relative_to(root).as_posix()
    return archive


def _pieces_sha256(root: Path, rel: str) -> str | None:
    """sha256 of the archive as received: its pieces joined (the pieces found, for a missing one);
    ``None`` for anything that is not a plain file inside the dataset folder (a symlink outside)."""
    from ingest.archives import archive_sha256, logical_archive_name

    target = root / rel
    try:
        return archive_sha256(target)
    except KDataError:
        pass
    folder = target.parent
    if not folder.is_dir():
        return None
    pieces = [p for p in folder.iterdir() if logical_archive_name(p.name) == target.name and p.is_file()]
    if not pieces or any(p.is_symlink() for p in pieces):
        return None

    def number(path: Path) -> int:
        found = re.search(r"(\d+)$", path.name)
        return int(found[1]) if found and path != target else 1 << 30

    digest = hashlib.sha256()
    for piece in sorted(pieces, key=number):
        digest.update(piece.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class _Context:
    root: Path
    run_id: str | None
    dataset_id: str | None
    version: str | None
    hashes: dict[str, str]
    source: str | None = None  # the input as given when ``root`` is a copy of it (an s3:// location)


def _plan_context(settings: Settings, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Context:
    from ingest.safety import check_inside
    from schemas.manifest import DATASET_YAML, load_manifest

    given = str(args[0] if args else kwargs["dataset_path"])
    source: str | None = None
    if given.startswith("s3://"):  # the local copy the plan read, found again from a fresh listing
        from storage.s3_input import canonical_location, local_copy

        try:
            source = canonical_location(given)
        except KDataError:
            source = given
        root = local_copy(settings, given) or settings.runs_dir / "_s3" / "unknown"
    else:
        root = Path(given).expanduser().absolute()
    try:
        check_inside(root, root / DATASET_YAML)
        manifest = load_manifest(root)
    except (ValueError, OSError, KDataError):
        return _Context(root, None, None, None, {}, source)
    return _Context(root, None, manifest.id, manifest.version, {}, source)


def _plan(settings: Settings, run_id: str) -> Plan:
    """The run's plan as written (names and ids only: its input folder is not needed here)."""
    from kdata.run_state import RunState

    plan = RunState(settings, run_id).read_plan()
    if plan is None:
        raise BadInput(f"unknown run {run_id!r}: no plan")
    return plan


def _extract_context(settings: Settings, args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Context:
    plan = _plan(settings, str(args[0] if args else kwargs["run_id"]))
    root = Path(plan.dataset_path)
    hashes = dict(plan.archive_sha256 or {})  # full hashes are known only after extraction
    return _Context(root, plan.run_id, plan.dataset_id, plan.version, hashes, plan.source)


_CONTEXTS: dict[str, Callable[[Settings, tuple[Any, ...], dict[str, Any]], _Context]] = {
    "plan": _plan_context,
    "extract": _extract_context,
}


def _rejection(error: UnsafeArchive, stage: str, context: _Context) -> QuarantineRecord:
    archive = _relative(context.root, error.archive)
    sha = error.archive_sha256 or context.hashes.get(archive)
    try:  # never hash a file outside the dataset folder (an S3 key with '..')
        inside = (context.root / archive).resolve().is_relative_to(context.root.resolve())
    except (OSError, ValueError):
        inside = False
    # The plan no longer hashes archives in full (issue 18): a refused archive is hashed here, once. A
    # "symlink" without a member is the archive (or a piece) linking outside the folder: never read.
    if sha is None and (error.code != "symlink" or error.member is not None) and inside:
        sha = _pieces_sha256(context.root, archive)
    from quality.pii import redact  # a refused member's name may hold personal data: kept masked

    return QuarantineRecord(
        dataset_path=context.source or str(context.root),
        stage=stage,
        reason=error.code,
        message=redact(str(error)) or "",
        run_id=error.run_id or context.run_id,
        dataset_id=context.dataset_id,
        version=context.version,
        archive=redact(archive),
        archive_sha256=sha,
        member=redact(error.member),
    )


def quarantines(stage: str) -> Callable[[F], F]:
    """Decorate a pipeline stage ``fn(settings, ...)``: an :class:`UnsafeArchive` it raises is
    quarantined (JSON + catalog row), then raised unchanged. ``stage`` is ``plan`` or ``extract``."""
    context_of = _CONTEXTS[stage]

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def run(settings: Settings, *args: Any, **kwargs: Any) -> Any:
            try:
                return fn(settings, *args, **kwargs)
            except UnsafeArchive as error:
                try:
                    record = _rejection(error, stage, context_of(settings, args, kwargs))
                    record_quarantine(settings, record)
                except (KDataError, OSError) as failure:  # never hide the rejection itself
                    log.warning("could not quarantine %s: %s", error.archive, failure)
                raise

        return cast(F, run)

    return decorate


def record_gate_refusal(settings: Settings, verdict: dict[str, Any], json_path: Path, message: str) -> None:
    """The catalog row for a run the quality gate refused (its JSON record is ``json_path``)."""
    plan = _plan(settings, verdict["run_id"])
    record = QuarantineRecord(
        dataset_path=plan.source or plan.dataset_path,
        stage="gate",
        reason="quality_failed",
        message=message,
        run_id=plan.run_id,
        dataset_id=plan.dataset_id,
        version=plan.version,
        report=verdict["report"],
    )
    record_quarantine(settings, record, json_path=json_path)
