"""The ingest pipeline as stage functions: plan → extract (per archive) → quality → gate → publish → register.

The Airflow DAG calls each function as a task (passing only the run id and small summaries);
``kdata ingest`` calls them in sequence. Every stage reads and writes the run's state
(:class:`kdata.run_state.RunState`: the folder ``$KDATA_HOME/runs/<run_id>/``, and with an ``s3://`` store
the store, so that any stage may run on any host); the run id is derived from the input (manifest sha256, each archive's
path, size and fingerprint, chunk settings), so a rerun finds the same folder and finishes the job instead
of duplicating it.

Each archive is read about once (issue 18, :mod:`ingest.fingerprint`): the plan reads only a fingerprint
of it (size, first and last 64 KiB, central directory); extraction computes the full sha256 of the label
archive (and of a source archive it read in full) from its own reads and records it in the unit; the
publish stage hashes in one pass the archives no unit read in full, and computes the version's
``content_sha256`` from the full hashes (:func:`content_sha256`: same formula and value as when the plan
hashed everything).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.chunks import sha256_file
from ingest.discover import discover_layout
from ingest.safety import check_archives, check_inside
from kcore import forked
from kcore.atomic import write_atomic
from kcore.config import Settings
from kcore.errors import BadInput, QualityGateFailed
from kcore.faults import fault_point
from kcore.forked import Forked, ForkedFailed
from kcore.runlock import run_lock
from kdata import gx_worker
from kdata.quality_stage import quality_summary
from kdata.quarantine import quarantines, record_gate_refusal
from kdata.run_input import dataset_manifest, input_here, labels_in, load_plan, record_schema, units
from kdata.run_state import CONTENT, REPORTS, RunState, dump_json
from schemas.manifest import DATASET_YAML, ManifestError, load_manifest
from schemas.run import PiiPolicy, Plan, PlannedUnit, QualitySummary, UnitRecord
from storage.layout import QUALITY_PREFIX

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from ingest.chunks import ChunkWriter
    from ingest.progress import Progress
    from quality.record_checks import RecordChecker
    from schemas.contracts import FileEntry, VersionManifest
    from storage.base import ObjectStore
    from storage.publish import FileCheck

__all__ = [
    "RunOptions",
    "check_quality",
    "content_sha256",
    "extract_unit",
    "gate",
    "ingest",
    "plan_run",
    "publish_run",
    "read_content",
    "register_run",
]

log = logging.getLogger(__name__)


def _run_dir(settings: Settings, run_id: str) -> Path:
    return settings.runs_dir / run_id


# -- plan ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunOptions:
    """What a data team may choose per run (the DAG's trigger form); ``None`` keeps the default."""

    version_note: str | None = None
    """Overrides the manifest's ``version_note`` in the catalog."""
    chunk_bytes: int | None = None
    """Overrides ``KDATA_CHUNK_BYTES`` for this run."""
    pii_policy: str | None = None
    """``block`` or ``mask``; overrides the manifest's ``quality.pii_policy`` (healthcare always blocks)."""


def _require_uploader(settings: Settings) -> None:
    """Refuse a user without the uploader role before any work (registration checks it again), and an audit
    key that cannot be read (registration signs with it: after the publish would be too late)."""
    from catalog.audit import audit_key
    from catalog.roles import require_role

    require_role(settings, "uploader", "kdata ingest")
    audit_key(settings.audit_key)


@quarantines("plan")
def plan_run(
    settings: Settings, dataset_path: str, options: RunOptions | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """Validate the manifest, discover archives, hash the input and write ``plan.json``.

    ``dataset_path`` is a local folder or ``s3://bucket/prefix``: an S3 folder is first copied (sizes and
    ETags verified, unsafe keys refused) to ``$KDATA_HOME/runs/_s3/`` by :func:`storage.s3_input.fetch_dataset`;
    the plan keeps the copy as ``dataset_path`` (for the readers) and the ``s3://`` location as ``source``.
    Returns a small summary (run id, dataset, version, number of units) fit for XCom. ``progress`` hears of
    each archive hashed.
    """
    from ingest.progress import NullProgress

    options = options or RunOptions()
    _require_uploader(settings)
    progress = progress or NullProgress()
    if not dataset_path.startswith("s3://"):
        return _plan_folder(settings, Path(dataset_path).expanduser().absolute(), options, None, progress)
    from ingest.limits import UnsafeArchive
    from storage.s3_input import canonical_location, fetch_dataset

    source = canonical_location(dataset_path)
    root = fetch_dataset(settings, source)
    try:
        return _plan_folder(settings, root, options, source, progress)
    except UnsafeArchive:
        raise  # names the archive relative to the folder; quarantined with the s3:// location
    except BadInput as error:  # name the location the user gave, not the local copy
        raise BadInput(str(error).replace(str(root), source)) from None


def _plan_folder(
    settings: Settings, root: Path, options: RunOptions, source: str | None, progress: Progress
) -> dict[str, Any]:
    if not root.is_dir():
        raise BadInput(f"{root}: no such dataset folder")
    try:
        check_inside(root, root / DATASET_YAML)  # never read a manifest linked from outside
        manifest = load_manifest(root)
    except ManifestError as error:
        raise BadInput(str(error)) from None
    schema = record_schema(root, manifest)
    from quality.suites.common import validate_targets

    target_problems = validate_targets(schema, manifest.quality)
    if target_problems:
        raise BadInput(str(ManifestError(root / DATASET_YAML, target_problems)))
    pii_policy = options.pii_policy or manifest.quality.pii_policy
    if pii_policy not in ("block", "mask"):
        raise BadInput(f"pii_policy {pii_policy!r}: expected block or mask")
    policy: PiiPolicy = "block" if pii_policy == "block" else "mask"
    if manifest.domain == "healthcare" and pii_policy != "block":
        raise BadInput(f"{root / DATASET_YAML}: healthcare data must use pii_policy 'block' (헬스케어는 차단만 허용)")
    chunk_bytes = options.chunk_bytes or settings.chunk_bytes
    archives, skipped = discover_layout(root, manifest.layout, allow_mixed=manifest.labels is not None)
    manifest_sha256 = sha256_file(root / DATASET_YAML)
    fingerprints = _fingerprints(root, [ref.path for ref in archives], progress)
    input_fingerprint = _input_fingerprint(manifest_sha256, fingerprints)
    settings_key = f"{chunk_bytes}:{settings.row_group_bytes}:{pii_policy}"
    run_hash = hashlib.sha256(f"{input_fingerprint}:{settings_key}".encode()).hexdigest()[:12]
    run_id = f"{manifest.id}-{manifest.version}-{run_hash}"
    check_archives(  # before any record; half of it in a forked child where this process may fork
        root,
        [ref.path for ref in archives],
        settings.limits,
        run_id=run_id,
        fork=forked.allowed(),
        weights={rel: fp["size"] - fp["directory"] for rel, fp in fingerprints.items()},
    )
    units: list[PlannedUnit] = []
    by_split: dict[str, int] = {}
    for ref in archives:
        if ref.kind == "source":
            continue
        group = by_split.get(ref.split, 0)
        by_split[ref.split] = group + 1
        units.append(PlannedUnit(index=len(units), archive=ref.path, split=ref.split, group=group))
    sources: dict[str, list[str]] = {}
    for ref in archives:
        if ref.kind in ("source", "mixed"):
            sources.setdefault(ref.split, []).append(ref.path)
    suffixes = manifest.labels.label_suffixes() if manifest.labels is not None else ()
    labels_in = {ref.path: list(suffixes) for ref in archives if ref.kind == "mixed"}
    if manifest.labels is not None:  # a label archive that also holds images or audio serves as a source
        for ref in archives:
            if ref.kind == "label" and _holds_media(root / ref.path, settings):
                sources.setdefault(ref.split, []).append(ref.path)
                labels_in[ref.path] = list(suffixes)
    plan = Plan(
        run_id=run_id,
        dataset_path=str(root),
        source=source or str(root),  # where the input came from (an s3:// location, or the folder)
        dataset_id=manifest.id,
        version=manifest.version,
        record_schema=manifest.schema_name,
        manifest_sha256=manifest_sha256,
        input_fingerprint=input_fingerprint,
        archives=[ref.path for ref in archives],  # the order content_sha256 hashes them in
        archive_fingerprint=fingerprints,
        chunk_bytes=chunk_bytes,
        pii_policy=policy,
        options=asdict(options),
        row_group_bytes=settings.row_group_bytes,
        units=units,
        sources=sources,
        labels_in=labels_in,
        skipped=[{"path": s.path, "reason": s.reason} for s in skipped],
    )
    RunState(settings, run_id).write_plan(plan)
    return {"run_id": run_id, "dataset_id": manifest.id, "version": manifest.version, "units": len(units)}


def _fingerprints(root: Path, archives: list[str], progress: Progress) -> dict[str, dict[str, Any]]:
    """Each archive's cheap fingerprint (:func:`ingest.fingerprint.archive_fingerprint`: size, head, tail
    and central directory; ~128 KiB + the directory read per archive, not the whole archive).

    Every piece must lie inside the dataset folder before a byte of it is read (a symlink pointing
    outside is refused as the safety check would)."""
    from ingest.fingerprint import archive_fingerprint
    from ingest.safety import checked_pieces

    sizes = {}
    for rel in archives:
        sizes[rel] = sum(p.stat().st_size for p in checked_pieces(root, rel))
    progress.stage("plan", archives=len(archives), total_bytes=sum(sizes.values()))
    found = {}
    for rel in archives:
        found[rel] = archive_fingerprint(root / rel)  # pieces (.partN, .zNN) joined in order
        progress.archive_hashed(sizes[rel])
    return found


def _input_fingerprint(manifest_sha256: str, fingerprints: dict[str, dict[str, Any]]) -> str:
    """What identifies the input (and, with the chunk settings, the run id): the manifest's bytes and,
    per archive in discovery order, its relative path, size and fingerprint."""
    digest = hashlib.sha256(b"manifest\0" + manifest_sha256.encode())
    for rel, found in fingerprints.items():
        digest.update(f"\0{rel}\0{found['size']}\0{found['sha256']}".encode())
    return digest.hexdigest()


def _ledger(settings: Settings) -> Path:
    """Full hashes of archives by fingerprint, across runs (:func:`ingest.fingerprint.record_full_hash`)."""
    return settings.runs_dir / "_archives"


def content_sha256(settings: Settings, plan: Plan) -> str:
    """The version's ``content_sha256``: sha256 of the manifest's sha256 and, per archive in discovery
    order, its path and **full** sha256 (the value the plan computed before issue 18: same input, same
    hash). Full hashes come from the units (computed while extracting); an archive no unit read in full
    (a source only listed, or read in parts) is hashed here in one pass. Kept in ``content.json``."""
    from ingest.fingerprint import full_sha256, record_full_hash

    state = RunState(settings, plan.run_id)
    known = read_content(state)
    if known is not None:
        return known[0]
    if plan.content_sha256 is not None:  # a plan written before issue 18 (archives hashed in full at plan time)
        return plan.content_sha256
    hashes: dict[str, str] = {}
    for record in units(settings, plan):
        hashes.update(record.archive_sha256)
    unread = [rel for rel in plan.archives if rel not in hashes]
    root = Path(input_here(settings, plan, unread).dataset_path) if unread else Path(plan.dataset_path)
    for rel in plan.archives:
        if rel not in hashes:
            found = plan.archive_fingerprint[rel]
            hashes[rel] = full_sha256(root / rel, rel, found)
            record_full_hash(_ledger(settings), rel, found, hashes[rel])
    digest = hashlib.sha256(b"manifest\0" + plan.manifest_sha256.encode())
    for rel in plan.archives:
        digest.update(f"\0{rel}\0{hashes[rel]}".encode())
    result = digest.hexdigest()
    content = {"content_sha256": result, "archive_sha256": {r: hashes[r] for r in plan.archives}}
    state.write_json(CONTENT, content)
    return result


def read_content(state: RunState) -> tuple[str, dict[str, str]] | None:
    """The run's ``content.json`` (written once by :func:`content_sha256`, at publish): the version's
    ``content_sha256`` and each archive's full sha256 by path; ``None`` while it is not written."""
    data = state.read_json(CONTENT)
    if data is None:
        return None
    return str(data["content_sha256"]), dict(data["archive_sha256"])


# -- extract ---------------------------------------------------------------------------------------


@quarantines("extract")
def extract_unit(settings: Settings, run_id: str, index: int, progress: Progress | None = None) -> dict[str, Any]:
    """Read one label archive into chunks under the run folder; idempotent (a finished unit is kept).

    One process at a time per unit (a lock in the run folder): a concurrent ingest of the same input
    waits, then reuses the finished unit. ``progress`` hears of members, rows and the finished unit.
    """
    from ingest.progress import NullProgress

    with run_lock(_run_dir(settings, run_id) / "units" / f"{index:04d}.lock"):
        summary = _extract_unit(settings, run_id, index, progress or NullProgress())
    fault_point("after_extract")
    return summary


def _extract_unit(settings: Settings, run_id: str, index: int, progress: Progress) -> dict[str, Any]:
    plan = load_plan(settings, run_id)
    unit = plan.units[index]
    done = RunState(settings, run_id).read_unit(index)  # finished here, or on another host
    summary = _unit_summary(done) if done is not None else _read_unit(settings, plan, index, progress)
    progress.archive_done(unit.archive, _archive_bytes(plan, unit.archive), summary)
    return summary


def _archive_bytes(plan: Plan, archive: str) -> int:
    """The archive's size as the plan fingerprinted it (all pieces; no need of the file on this host)."""
    return int(plan.archive_fingerprint[archive]["size"])


def _read_unit(settings: Settings, plan: Plan, index: int, progress: Progress) -> dict[str, Any]:
    """Extract one unit; the label archive's full sha256 (and a source archive's, when this unit read it
    all) is computed from the extraction's own reads (:mod:`ingest.fingerprint`): each archive read once."""
    from ingest.fingerprint import SOURCE_GAP_LIMIT, ArchiveHasher, archive_fingerprint, hashing, record_full_hash

    unit = plan.units[index]
    # the manifest, the unit's label archive and its split's source archives: all this unit reads
    plan = input_here(settings, plan, [unit.archive, *plan.sources.get(unit.split, [])])
    root = Path(plan.dataset_path)
    if not root.is_dir():
        raise BadInput(
            f"{root}: the run's input folder is not on this host (a local folder must be visible to every worker; "
            "across machines, ingest from s3://)"
        )
    label = unit.archive
    fingerprints = plan.archive_fingerprint
    if archive_fingerprint(root / label) != fingerprints[label]:  # ~128 KiB + the directory: cheap
        raise BadInput(f"{root / label}: archive changed since the run was planned; ingest again")
    split_sources = plan.sources.get(unit.split, [])
    hasher = ArchiveHasher(root / label, label, fingerprints[label])
    source_hashers = [
        ArchiveHasher(root / rel, rel, fingerprints[rel], SOURCE_GAP_LIMIT) for rel in split_sources if rel != label
    ]
    with hashing([hasher, *source_hashers]):
        written = _read_records(settings, plan, index, progress)
    full = {
        label: hasher.finish()
    }  # reads what extraction skipped (directory, skipped members), checks the plan's fingerprint
    full.update({h.label: h.finish() for h in source_hashers if h.covered})  # else hashed once at publish
    for rel, sha in full.items():
        record_full_hash(_ledger(settings), rel, fingerprints[rel], sha)  # BadInput if an earlier read differs
    return _finish_unit(RunState(settings, plan.run_id), plan, index, *written, full)


def _read_records(
    settings: Settings, plan: Plan, index: int, progress: Progress
) -> tuple[ChunkWriter, Any, RecordChecker]:
    """Read the unit's label archive (and its sources) into the chunk writer; returns what finishing needs."""
    from ingest.chunks import ChunkWriter
    from ingest.problems import ReadStats
    from ingest.source_index import cached_index
    from quality.pii import redact as pii_redact
    from quality.record_checks import RecordChecker

    unit = plan.units[index]
    run_dir = _run_dir(settings, plan.run_id)
    root = Path(plan.dataset_path)
    manifest = dataset_manifest(plan)
    schema = record_schema(root, manifest)
    split_sources = plan.sources.get(unit.split, [])
    sources = cached_index(root, split_sources, labels_in(plan), settings.limits)  # built once per split and process
    progress.archive(unit.archive, _archive_bytes(plan, unit.archive))
    stats = ReadStats(on_member=progress.member, limits=settings.limits)
    chunk_root = run_dir / "chunks"
    for stale in chunk_root.glob(f"{unit.split}/part-{unit.group:03d}-*"):
        stale.unlink()  # leftovers of a killed attempt
    writer = ChunkWriter(
        chunk_root,
        split=unit.split,
        group=unit.group,
        source_archive=pii_redact(unit.archive) or unit.archive,  # the manifest and the catalog show it
        schema=schema.arrow_schema(),
        chunk_bytes=plan.chunk_bytes,
        row_group_bytes=plan.row_group_bytes,
        batch_rows=schema.batch_rows,
        on_rows=progress.rows,
    )
    policy = plan.pii_policy
    checker = RecordChecker(schema, policy)  # pii_hits, masking (policy mask), content_sha256
    archive = root / unit.archive
    if manifest.labels is not None:  # the mapping engine: any label shape, tables of rows
        from ingest.mapping.engine import read_mapped
        from schemas.mapped import mapped_schema_for

        mixed = unit.archive in plan.labels_in
        tables = read_mapped(
            archive,
            unit.archive,
            mapped_schema_for(manifest),
            sources,
            stats,
            mixed=mixed,
            has_sources=bool(split_sources),
        )
        _write_columnar(tables, checker, writer)
        return writer, stats, checker
    from ingest.readers import get_columnar_reader, get_reader

    columnar = get_columnar_reader(plan.record_schema)
    if columnar is None:
        reader = get_reader(plan.record_schema)
        writer.write_rows(checker.wrap(reader(archive, unit.archive, sources, stats)))
    else:  # whole label files as Arrow tables; files only the record path can read come as dicts
        _write_columnar(columnar(archive, unit.archive, sources, stats), checker, writer)
    return writer, stats, checker


def _finish_unit(
    state: RunState,
    plan: Plan,
    index: int,
    writer: ChunkWriter,
    stats: Any,
    checker: RecordChecker,
    full_sha256: dict[str, str],
) -> dict[str, Any]:
    from quality.record_checks import redact_problem

    unit = plan.units[index]
    chunks = writer.close()
    result = UnitRecord(
        index=index,
        archive=unit.archive,
        split=unit.split,
        labels_seen=stats.labels_seen,
        labels_invalid=stats.labels_invalid,
        chunks=[_screened(c.to_dict()) for c in chunks],
        problems=[redact_problem(p.to_dict()) for p in stats.problems],
        pii=checker.tally.to_dict(),  # counts, masked examples, locations: never a raw value
        archive_sha256=full_sha256,  # full sha256 of the label archive (and sources read in full)
    )
    state.push_chunks(writer.root, result.chunks)  # staged before the unit is recorded as finished
    state.write_unit(result)
    return _unit_summary(result)


def _holds_media(archive: Path, settings: Settings) -> bool:
    """The archive has image, audio or video members beside its labels (names only: the central
    directory, listed once by the safety check)."""
    from ingest.archives import list_member_names
    from schemas.labels import MEDIA_EXTENSIONS

    return any(Path(name).suffix.lower() in MEDIA_EXTENSIONS for name in list_member_names(archive, settings.limits))


def _screened(chunk: dict[str, Any]) -> dict[str, Any]:
    """A chunk's entry for the unit record and the version manifest, its zone map without any column
    whose min or max the PII detectors flag: the manifest is metadata, and a bound is a real value (a
    phone number in block mode, where chunks keep raw values). A dropped range only means that a
    selective download cannot skip chunks on that column."""
    from quality import pii

    ranges = chunk.get("ranges") or {}
    kept = {name: bounds for name, bounds in ranges.items() if not any(pii.scan(str(v)) for v in bounds)}
    return {**chunk, "ranges": kept}


def _write_columnar(pieces: Iterator[Any], checker: RecordChecker, writer: ChunkWriter) -> None:
    """Check and write a columnar reader's tables and dicts in order; the pure part of the next table's
    checks (canonical JSON, RE2 pre-check) runs in a helper thread meanwhile (Arrow releases the GIL).
    Small tables (a label file of 50 records) are joined up to the writer's batch first: each check and
    write has a fixed cost (an RE2 pattern compiled per call ~1.5 ms), paid per table."""
    from ingest.prefetch import one_ahead

    batches = _coalesced(pieces, writer.batch_rows)
    dicts = lambda p: isinstance(p, dict)  # noqa: E731
    for piece, prepared in one_ahead(batches, checker.prepare, inline=dicts, name="kdata-check"):
        if prepared is None:  # a record-path dict: the tables before it are written first (tallies in order)
            writer.write_rows((checker.check(piece),))
        else:
            writer.write_table(checker.finish(prepared.result()))


def _coalesced(pieces: Iterator[Any], rows: int) -> Iterator[Any]:
    """``pieces`` in order, consecutive tables of one schema joined until they hold ``rows`` rows; a dict
    (a record-path record) passes alone, after the tables before it."""
    import itertools

    import pyarrow as pa

    pending: list[pa.Table] = []
    for piece in itertools.chain(pieces, [None]):  # None: the end, which flushes like a dict
        table = piece if isinstance(piece, pa.Table) else None
        if pending and (table is None or table.schema != pending[0].schema):
            yield pa.concat_tables(pending) if len(pending) > 1 else pending[0]
            pending = []
        if table is None:
            if piece is not None:
                yield piece
            continue
        pending.append(table)
        if sum(t.num_rows for t in pending) >= rows:
            yield pa.concat_tables(pending) if len(pending) > 1 else pending[0]
            pending = []


def _unit_summary(result: UnitRecord) -> dict[str, Any]:
    """What an extract task returns (XCom, progress): small counts."""
    return {
        "index": result.index,
        "archive": result.archive,
        "rows": result.rows,
        "members": result.labels_seen,  # label files read (progress of a unit extracted in another process)
        "chunks": len(result.chunks),
        "problems": len(result.problems),
    }


# -- quality and gate ------------------------------------------------------------------------------


def check_quality(settings: Settings, run_id: str) -> dict[str, Any]:
    """Run the suite, write reports, record the quality run in the catalog; return a small verdict."""
    summary = _quality_run(settings, run_id)
    _record_quality(settings, summary)
    fault_point("after_quality")
    return _verdict(summary)


def _quality_run(settings: Settings, run_id: str) -> QualitySummary:
    """The run's quality summary: an earlier attempt's, or the suite run now (reports written)."""
    summary = RunState(settings, run_id).read_quality()  # an earlier attempt's
    if summary is None:  # run in the warm GX worker (or here: KDATA_GX_WORKER=off, or in a worker's job)
        job = {"settings": settings.to_json(), "run_id": run_id}
        # both ways return the summary quality.json holds (quality_summary writes it, or reads it under
        # the run's quality lock when a concurrent ingest of the same input wrote it first)
        summary = gx_worker.run_quality_job(settings, job, lambda: quality_summary(settings, run_id))
    return summary


def _record_quality(settings: Settings, summary: QualitySummary) -> None:
    from catalog.db import connect
    from catalog.register import record_quality_run

    with connect(settings) as con:
        record_quality_run(con, summary, settings.user)


def _verdict(summary: QualitySummary) -> dict[str, Any]:
    """What the quality task returns (XCom) and the gate reads."""
    return {
        "run_id": summary.run_id,
        "verdict": summary.verdict,
        "critical_failed": summary.critical_failed,
        "warnings_failed": summary.warnings_failed,
        "report": summary.report,
        "examples": _examples(summary) if summary.critical_failed else [],
    }


_EXAMPLES = 5
"""Lines of the gate's refusal that name what failed (the report lists all)."""


def _examples(summary: QualitySummary) -> list[str]:
    """What a refused user reads first: why each critical check failed — a reader's problem about the failing
    file where there is one (it says what is wrong), else the check's first failing units (archive, member,
    record) — then the other problems (archive, member, field, message): a failed check was hidden behind
    five problems of checks that passed. Redacted, as the summary is."""
    from ingest.problems import Problem

    problems = [Problem.from_dict(p) for p in summary.problems if p.get("code") != "orphan_source"]
    # (a source without a label is left to the check's failing units, which name it)
    items = {item.get("key"): item for item in summary.items}
    checks: list[str] = []
    failing: set[tuple[Any, Any]] = set()
    for key in summary.critical_failed:
        if key == _PII_CHECK:  # where in the record: the rule, the record and the field (values never shown)
            located = [(r, loc) for r in summary.pii.get("rules", []) for loc in r.get("locations", [])[:2]]
            for rule, loc in located[:2]:
                where = "!".join(str(part) for part in (loc.get("archive"), loc.get("member")) if part)
                record = f" record {loc['record_id']}" if loc.get("record_id") else ""
                checks.append(f"{key}: {rule.get('rule')} in {where}{record} field {loc.get('field')}")
            if located:
                continue
        for row in (items.get(key) or {}).get("failing_rows", [])[:2]:
            failing.add((row.get("archive"), row.get("member")))
            if any((p.archive, p.member) == (row.get("archive"), row.get("member")) for p in problems):
                continue  # the problem below says it, and why
            where = "!".join(str(part) for part in (row.get("archive"), row.get("member")) if part)
            unit = str(row.get("id") or "")  # which record of the file (one XML of many images: its /5)
            if where and unit.startswith(where):
                checks.append(f"{key}: {unit}")  # archive!member/5
            else:
                record = f" record {unit}" if where and unit and unit != row.get("member") else ""
                checks.append(f"{key}: {where or unit}{record}")
    explaining = [p for p in problems if (p.archive, p.member) in failing]
    others = [p for p in problems if (p.archive, p.member) not in failing]
    out = [f"{p.code}: {p.describe()}" for p in explaining] + checks + [f"{p.code}: {p.describe()}" for p in others]
    return out[:_EXAMPLES]


_PII_CHECK = "pii_free"
"""The quality check that fails on personal data left in the records (pii_policy block keeps values as found)."""


def _drop_chunks(settings: Settings, run_id: str) -> None:
    """Delete a refused run's chunks, here and in the run state of a remote store (staged extract output)."""
    import shutil

    from storage.publish import clear_staging

    shutil.rmtree(_run_dir(settings, run_id) / "chunks", ignore_errors=True)
    clear_staging(RunState(settings, run_id).store, run_id)


def _checked_rows(settings: Settings, run_id: str) -> dict[str, int]:
    """Rows per split the run extracted and the quality stage checked (a refused run publishes none)."""
    rows: dict[str, int] = {}
    for unit in units(settings, load_plan(settings, run_id)):
        for chunk in unit.chunks:
            rows[str(chunk["split"])] = rows.get(str(chunk["split"]), 0) + int(chunk["rows"])
    return dict(sorted(rows.items()))


def gate(settings: Settings, verdict: dict[str, Any]) -> dict[str, Any]:
    """Refuse publication when a critical expectation failed; the run is kept in quarantine."""
    if verdict["verdict"] != "failed":
        fault_point("after_gate")
        return verdict
    quarantine = settings.home / "quarantine" / f"{verdict['run_id']}.json"
    records: str | None = str(_run_dir(settings, verdict["run_id"]) / "chunks")
    held: dict[str, Any] = {}
    if _PII_CHECK in verdict["critical_failed"]:  # the chunks hold personal data as found: not kept
        _drop_chunks(settings, verdict["run_id"])
        records = None
        held["records_removed"] = (
            "개인정보가 든 청크는 지웠습니다 (chunks holding personal data were deleted; the report names the "
            "records, the input archives still hold them)"
        )
    write_atomic(
        quarantine,
        dump_json(
            {
                "run_id": verdict["run_id"],
                "reason": "quality_failed",
                "critical_failed": verdict["critical_failed"],
                "report": verdict["report"],
                "records": records,
                **held,
            }
        ),
        fsync=False,
    )
    failed = ", ".join(verdict["critical_failed"])
    message = f"quality gate refused {verdict['run_id']}: critical checks failed: {failed}"
    record_gate_refusal(settings, verdict, quarantine, message)  # the quarantine table's row
    raise QualityGateFailed(message, verdict["report"], verdict.get("examples"))


# -- publish and register --------------------------------------------------------------------------


def _version_manifest(settings: Settings, plan: Plan) -> VersionManifest:
    """The version's ``manifest.json`` (without its files: the dataset card is written from it)."""
    from schemas.contracts import ChunkEntry, QualityRef, SplitStats, VersionManifest

    records = units(settings, plan)
    summary = _quality(settings, plan.run_id)
    chunks = sorted((ChunkEntry.model_validate(c) for u in records for c in u.chunks), key=lambda c: c.key)
    splits: dict[str, SplitStats] = {}
    for chunk in chunks:
        split = splits.get(chunk.split) or SplitStats(rows=0, chunks=0, bytes=0)
        splits[chunk.split] = SplitStats(
            rows=split.rows + chunk.rows, chunks=split.chunks + 1, bytes=split.bytes + chunk.bytes
        )
    return VersionManifest(
        dataset_id=plan.dataset_id,
        version=plan.version,
        record_schema=plan.record_schema,
        content_sha256=content_sha256(settings, plan),  # from full hashes (extract, or one pass here)
        run_id=plan.run_id,
        splits=splits,
        chunks=chunks,
        quality=QualityRef(
            verdict=summary.verdict,
            run_id=summary.run_id,
            warnings_failed=list(summary.warnings_failed),
            report=f"{QUALITY_PREFIX}/summary.html",
        ),
    )


def _quality(settings: Settings, run_id: str) -> QualitySummary:
    summary = RunState(settings, run_id).read_quality()
    if summary is None:
        raise BadInput(f"run {run_id}: the quality stage has not run")
    return summary


def _upload_reports(store: ObjectStore, state: RunState, folder: Path, prefix: str) -> None:
    """The run's reports to ``prefix``: copied server-side from the run state when the store holds them there
    (a remote store: nothing sent again, whichever host wrote them), else uploaded from this host's folder."""
    held = state.folder_keys(REPORTS)
    for rel in held:
        store.copy(state.key(f"{REPORTS}/{rel}"), f"{prefix}/{rel}")
    if held or not folder.is_dir():
        return
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        store.put_file(path, f"{prefix}/{path.relative_to(folder).as_posix()}")


def publish_run(settings: Settings, run_id: str, *, checked: Mapping[str, FileCheck] | None = None) -> dict[str, Any]:
    """Stage, verify and commit the chunks and the version manifest to the store. ``checked``: the run's
    chunks hashed ahead (:func:`_check_ahead`), used for each file still the one checked."""
    from storage.layout import version_prefix
    from storage.publish import load_version_manifest, publish_version

    plan = input_here(settings, load_plan(settings, run_id))  # the manifest (the card); archives as needed
    state = RunState(settings, run_id)
    summary = _quality(settings, run_id)
    if summary.verdict == "failed":
        raise QualityGateFailed(f"run {run_id} failed its quality gate; nothing to publish", summary.report)
    manifest = _version_manifest(settings, plan)
    files_root = state.dir / "files"  # the dataset card, published beside the chunks
    manifest = manifest.model_copy(update={"files": [_write_card(plan, manifest, summary, files_root)]})
    store = state.store
    with run_lock(state.dir / "publish.lock"):  # one publisher per run on this host (shared staging)
        if load_version_manifest(store, plan.dataset_id, plan.version) is None:
            # Reports first (deterministic keys); the version manifest, written last, makes them visible.
            prefix = f"{version_prefix(plan.dataset_id, plan.version)}/{QUALITY_PREFIX}"
            _upload_reports(store, state, Path(summary.report).parent, prefix)
        # chunks staged by extract (remote store) are verified in staging and copied, not uploaded again
        result = publish_version(store, manifest, state.dir / "chunks", run_id, file_root=files_root, checked=checked)
    fault_point("after_publish")
    return {"run_id": run_id, "manifest": result.manifest_uri, "created": result.created, "uploaded": result.uploaded}


def _write_card(plan: Plan, manifest: VersionManifest, summary: QualitySummary, root: Path) -> FileEntry:
    """Write the version's dataset card (``README.md``) under ``root``; its entry for the manifest's files."""
    from catalog.card import CARD_NAME, dataset_card
    from schemas.contracts import FileEntry

    dataset = dataset_manifest(plan)
    data = dataset_card(dataset, record_schema(Path(plan.dataset_path), dataset), manifest, summary.to_json())
    write_atomic(root / CARD_NAME, data, fsync=False)  # a concurrent publisher of the same run reads old or new
    return FileEntry(key=CARD_NAME, bytes=len(data), sha256=hashlib.sha256(data).hexdigest())


def register_run(settings: Settings, run_id: str, quality: QualitySummary | None = None) -> dict[str, Any]:
    """Register the published version in the catalog (one transaction, the last step); ``quality``: the
    run's quality summary, recorded in the same catalog write (an in-process ingest: one write, not two)."""
    from catalog.db import connect
    from catalog.register import record_quality_run, register_version
    from storage.layout import VERSION_MANIFEST, version_prefix
    from storage.publish import load_version_manifest, proven_etags

    plan = input_here(settings, load_plan(settings, run_id))  # the manifest only
    store = RunState(settings, run_id).store
    published = load_version_manifest(store, plan.dataset_id, plan.version)
    if published is None:
        raise BadInput(f"run {run_id}: version {plan.version} of {plan.dataset_id} is not published")
    if published.content_sha256 != content_sha256(settings, plan):
        raise BadInput(f"run {run_id}: the published version has other content; nothing registered")
    prefix = version_prefix(plan.dataset_id, plan.version)
    chunk_urls = {c.key: store.uri(f"{prefix}/{c.key}") for c in published.chunks}
    etags = proven_etags(store, prefix, published.chunks, RunState(settings, run_id).dir / "chunks")
    with connect(settings) as con:
        if quality is not None:
            record_quality_run(con, quality, settings.user)
        manifest = dataset_manifest(plan)
        note = plan.options.get("version_note")
        if note:
            manifest = manifest.model_copy(update={"version_note": note})
        created = register_version(
            con,
            manifest,
            published,
            store.uri(f"{prefix}/{VERSION_MANIFEST}"),
            chunk_urls,
            settings.user,
            source=plan.source,
            etags=etags,
        )
    fault_point("after_register")
    return {
        "dataset_id": plan.dataset_id,
        "version": plan.version,
        "registered": created,
        "rows": {s: i.rows for s, i in published.splits.items()},
        "chunks": len(published.chunks),
    }


def ingest(
    settings: Settings, dataset_path: str, *, workers: int | None = None, progress: Progress | None = None
) -> dict[str, Any]:
    """The same work one DAG run does, in this process. Raises BadInput / QualityGateFailed.

    ``workers`` (default ``settings.workers``, KDATA_WORKERS; unset: :func:`_default_workers`) > 1 extracts
    archive units in that many processes, the way the DAG's mapped tasks spread over Airflow workers; the
    chunks are the same bytes. The processes start (and import what extraction needs) while this process
    plans the run.
    ``progress`` hears of each stage (of a unit another process extracts: its counts when it is done).
    """
    from ingest.progress import NullProgress

    workers = workers or settings.workers or _default_workers()
    report = progress or NullProgress()
    gx_worker.prewarm(settings)  # GX imports in the worker while this process plans and extracts
    with _Workers(workers) as pool:
        report.stage("plan")
        planned = plan_run(settings, dataset_path, progress=report)
        report.stage_done("plan", f"라벨 압축파일 label archives {planned['units']}")
        fault_point("after_plan")
        run_id = planned["run_id"]
        _report_extract_totals(settings, run_id, report)
        pool.extract_all(settings, run_id, planned["units"], report)
        report.stage_done("extract")
    report.stage("quality")
    # the quality run goes into the catalog with the version (one catalog write); on the way out by any
    # other door (the gate refuses, publish fails) it is recorded on its own, as check_quality does
    summary: QualitySummary | None = None
    try:
        with _check_ahead(settings, run_id) as ahead:
            summary = _quality_run(settings, run_id)
            verdict = _verdict(summary)
            fault_point("after_quality")
            report.stage_done("quality", verdict["verdict"])
            try:
                gate(settings, verdict)
            except QualityGateFailed as refused:
                refused.context = {
                    "dataset_id": planned["dataset_id"],
                    "version": planned["version"],
                    "run_id": run_id,
                    "rows": _checked_rows(settings, run_id),
                    "chunks": 0,  # none published
                }
                raise
            checked = _take(ahead)
        report.stage("publish")
        published = publish_run(settings, run_id, checked=checked)
        report.stage_done("publish", f"올림 uploaded {published['uploaded']}")
        report.stage("register")
        registered = register_run(settings, run_id, quality=summary)
        report.stage_done("register")
    except BaseException:
        if summary is not None:  # recording is idempotent per run: once, whether register got to it or not
            try:
                _record_quality(settings, summary)
            except Exception as error:  # deliberately broad: the first failure is the one to report
                log.warning("quality run %s not recorded in the catalog: %s", run_id, error)
        raise
    return {
        "dataset_id": planned["dataset_id"],
        "version": planned["version"],
        "run_id": run_id,
        "status": "published",
        "already_published": not published["created"],
        "rows": registered["rows"],
        "chunks": registered["chunks"],
        "verdict": verdict["verdict"],
        "report": verdict["report"],
        "manifest": published["manifest"],
    }


def _check_ahead(
    settings: Settings, run_id: str
) -> contextlib.AbstractContextManager[Forked[dict[str, FileCheck]] | None]:
    """Publish's check of the run's chunks (their sha256, read in full), in a forked child while the quality
    stage runs, on the core Great Expectations leaves idle; only where this process may fork (a job of the
    warm worker). ``None``: publish checks them itself."""
    if not forked.allowed():
        return contextlib.nullcontext()
    from storage.publish import check_files

    plan = load_plan(settings, run_id)
    state = RunState(settings, plan.run_id)
    paths = [state.dir / "chunks" / chunk["key"] for unit in units(settings, plan) for chunk in unit.chunks]
    try:
        return Forked(check_files, paths)
    except OSError as error:
        log.warning("chunks checked at publish instead: cannot fork (%s)", error)
        return contextlib.nullcontext()


def _take(ahead: Forked[dict[str, FileCheck]] | None) -> dict[str, FileCheck] | None:
    if ahead is None:
        return None
    try:
        return ahead.result()
    except ForkedFailed as error:  # publish reads the chunks itself
        log.warning("chunks checked at publish instead: %s", error)
        return None


def _default_workers() -> int:
    """Extract processes when neither ``--workers`` nor KDATA_WORKERS says: in a child of the warm worker
    (everything imported, so a fork starts warm) the CPU count, at most 4; elsewhere 1, since a spawned
    process imports pyarrow and the readers first (about a second), which a small dataset never wins back."""
    return min(os.cpu_count() or 1, 4) if gx_worker.in_job() else 1


def _report_extract_totals(settings: Settings, run_id: str, progress: Progress) -> None:
    plan = load_plan(settings, run_id)
    total = sum(_archive_bytes(plan, unit.archive) for unit in plan.units)
    progress.stage("extract", archives=len(plan.units), total_bytes=total)


def _warm_up() -> int:
    """Import what extraction needs (run in each new worker while the parent plans)."""
    import pyarrow as pa

    import ingest.readers  # noqa: F401  (numpy, the readers)
    import quality.record_checks  # noqa: F401  (the PII detectors)

    pa.array([0])  # pyarrow's first conversion from Python objects imports pandas (~1 s)

    return os.getpid()


class _Workers:
    """Extract units inline (one worker) or in a pool of fresh processes (spawned: no forked DuckDB/Arrow
    threads), started on entry so that their start-up overlaps the plan."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Any = None
        self._forks = False

    def __enter__(self) -> _Workers:
        if self.workers > 1:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            # a child of the warm worker has imported what extraction needs, and started no DuckDB: its
            # forks start warm; any other process spawns fresh interpreters (no forked DuckDB/Arrow threads)
            self._forks = forked.allowed()
            context = multiprocessing.get_context("fork" if self._forks else "spawn")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
            if not self._forks:  # spawned: they start (and import) while this process plans
                for _ in range(self.workers):
                    self._pool.submit(_warm_up)
            # forks start in milliseconds, at the first unit, after the plan: with what this process
            # holds by then (the source indexes, the member names the plan listed)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def extract_all(self, settings: Settings, run_id: str, units: int, progress: Progress) -> None:
        if self._pool is None or units <= 1:
            for index in range(units):
                extract_unit(settings, run_id, index, progress)
            return
        if self._forks:  # built once here, before the forks, which inherit them instead of each building its own
            self._prepare_quality(settings, run_id)
        futures = [self._pool.submit(extract_unit, settings, run_id, index) for index in range(units)]
        if not self._forks:
            self._prepare_quality(settings, run_id)  # this process is idle meanwhile
        plan = load_plan(settings, run_id)
        for index, future in enumerate(futures):
            summary = future.result()  # the first failure (BadInput from a unit) propagates with its message
            archive = plan.units[index].archive  # finished in a worker: reported as a whole
            progress.archive_done(archive, _archive_bytes(plan, archive), summary)

    @staticmethod
    def _prepare_quality(settings: Settings, run_id: str) -> None:
        """Build the source indexes that extraction joins labels with and the quality stage lists members
        from (the same cached index: :func:`ingest.source_index.cached_index`)."""
        from ingest.source_index import cached_index

        plan = load_plan(settings, run_id)
        for archives in plan.sources.values():
            try:
                cached_index(Path(plan.dataset_path), archives, labels_in(plan), settings.limits)
            except Exception:  # deliberately broad: this is only a head start
                # the quality stage builds the same index itself and reports whatever fails here; an
                # error in this helper must not fail an ingest whose quality stage would succeed
                return
