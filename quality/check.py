"""Run a dataset version's quality suite and decide the verdict.

The check frame has one row per label unit: every parsed record (from the chunks' small scalar
columns) plus one row per unreadable label (``schema_valid`` false), so the syntactic share is
measured against everything that arrived, not just what parsed; plus one row per source file no
label points to (``orphan_source`` true). The suite is the record schema's own plus the common
expectations (:mod:`quality.suites.common`).

Memory holds one batch of the frame, never the whole dataset: the chunks are read
``KDATA_QUALITY_BATCH_ROWS`` rows at a time (default 50,000) and GX validates batch by batch
(:func:`quality.gx_runner.run_suite_batches`). What needs every record at once is asked of a
scratch DuckDB that spills to disk (:class:`_Scan`): which ids and content hashes occur more than
once (a flag column per unique column on every batch), and which source files no label uses.

Reports written into the run's report folder:
``gx_result.json``, ``data_docs/``, ``summary.html`` (the page an auditor signs) and
``quality_summary.json`` (the same, machine-readable). None of them holds a personal-data value.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.problems import UNUSABLE_LABEL, Problem
from kcore.atomic import write_atomic
from kcore.forked import Forked, ForkedFailed
from kcore.limits import DEFAULT_LIMITS, ArchiveLimits
from quality.pii import redact
from quality.record_checks import redact_problem
from schemas.labels import MEDIA_EXTENSIONS
from schemas.manifest import QualityTargets

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import duckdb
    import pandas
    import pyarrow

    from quality.gx_runner import ExpectationOutcome, ExpectationSpec, SuiteResult
    from schemas.labels import LabelMapping
    from schemas.records import RecordSchema

__all__ = [
    "BATCH_ROWS",
    "SUMMARY_JSON",
    "QualityInput",
    "invalid_units",
    "orphan_sources",
    "run_quality",
    "verdict_of",
]

SUMMARY_JSON = "quality_summary.json"
"""Machine-readable summary beside ``summary.html``."""

BATCH_ROWS = 50_000
"""Rows of the check frame validated at once (``KDATA_QUALITY_BATCH_ROWS`` overrides)."""

_MAX_ROW_LINKS = 10
_KEPT_PROBLEMS = 200  # problems kept for the report (all are counted)
_SCAN_MEMORY = "64MB"  # DuckDB's limit for the whole-dataset questions; beyond it, it spills to disk
_DETAIL_COLUMNS = ("label_archive", "label_member")
_ORPHAN = "라벨 없는 원천 파일 (no label points to this source file)"
_STEM_SQL = "regexp_replace(regexp_replace({}, '(?s)^.*/', ''), '(?s)\\.[^.]*$', '')"
"""SQL of :func:`_stem` (``a/b/KSNS_1.txt`` → ``KSNS_1``), for a column or expression."""


@dataclass(frozen=True)
class QualityInput:
    run_id: str
    dataset_id: str
    version: str
    record_schema: str
    syntactic_target: float
    chunk_files: list[Path]
    invalid_units: list[dict[str, Any]]  # problems that made a label unit invalid
    problems: list[dict[str, Any]]  # every problem, for the report
    targets: QualityTargets | None = None  # the manifest's quality block (pii policy, distributions)
    pii: list[dict[str, Any] | None] = field(default_factory=list)  # per-unit PII tallies (record_checks)
    dataset_root: Path | None = None  # to list source archives for orphan sources
    source_archives: dict[str, list[str]] = field(default_factory=dict)  # split -> source archives
    labels_in: dict[str, tuple[str, ...]] = field(default_factory=dict)  # mixed archives: their label suffixes
    schema: RecordSchema | None = None  # the record schema (default: the built-in one named record_schema)
    mapping: LabelMapping | None = None  # labels: of a mapped dataset (its suite is generated from the roles)
    expected_labels: int | None = None  # counts.label of the manifest (구축량)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # files of the folder that are not data
    limits: ArchiveLimits = DEFAULT_LIMITS  # Settings.limits: bounds on listing the source archives


def verdict_of(critical_failed: list[str], warnings_failed: list[str]) -> str:
    if critical_failed:
        return "failed"
    return "passed_with_warnings" if warnings_failed else "passed"


# -- the check frame -------------------------------------------------------------------------------


def batch_rows(value: int | None = None) -> int:
    """Rows per batch: ``value`` (``Settings.quality_batch_rows``: ``KDATA_QUALITY_BATCH_ROWS``), else
    :data:`BATCH_ROWS`."""
    if value is None:
        value = BATCH_ROWS
    if value < 1:
        raise ValueError(f"quality batch rows must be positive, got {value}")
    return value


def _flag_column(column: str) -> str:
    """Frame column: True where ``column``'s value occurs more than once in the whole dataset."""
    return f"_duplicated_{column}"


def _unique_columns(specs: list[ExpectationSpec]) -> list[str]:
    """Columns whose uniqueness the suite checks (over the whole dataset, not a batch)."""
    columns = []
    for spec in specs:
        column = spec.kwargs.get("column")
        unique = spec.expectation == "ExpectColumnValuesToBeUnique" and "row_condition" not in spec.kwargs
        if unique and isinstance(column, str) and column not in columns:
            columns.append(column)
    return columns


def _record_tables(files: list[Path], columns: list[str], rows: int) -> Iterator[pyarrow.Table]:
    """The check columns of every chunk, in order, as tables of about ``rows`` rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pending: list[pa.RecordBatch] = []
    count = 0
    for path in files:
        with pq.ParquetFile(path) as parquet:
            for batch in parquet.iter_batches(batch_size=min(rows, 65_536), columns=columns):
                pending.append(batch)
                count += batch.num_rows
                if count >= rows:
                    yield pa.Table.from_batches(pending)
                    pending, count = [], 0
    if pending:
        yield pa.Table.from_batches(pending)


def _duplicate_flags(values: pandas.Series, duplicated: set[Any]) -> pandas.Series:
    """True where the value is one of ``duplicated``, False where not, None where null."""
    import numpy as np
    import pandas as pd

    flags = values.isin(duplicated).to_numpy(dtype=bool) if duplicated else np.zeros(len(values), dtype=bool)
    marked = flags.astype(object)
    marked[values.isna().to_numpy()] = None
    return pd.Series(marked, index=values.index, dtype="object")


_MEDIA_NAME = r"\.(?:" + "|".join(sorted(s.lstrip(".") for s in MEDIA_EXTENSIONS)) + r')"'
"""A JSON string value ending in a media file's suffix (``"IMG_3.jpg"``)."""


def _sourceless_blocks(mapping: Any) -> Callable[[str, str], bool] | None:
    """Whether a record (by its label archive and member) comes from a block that names no source file where
    another block names them (a VQA dataset's question and answer files beside its file of images): such
    records have no source by design, and the source check does not count them, unless the record names a
    media file anyway (:data:`_MEDIA_NAME` in its label_json: a block of boxes whose ``file_name`` was not
    mapped as the source, beside a dummy block that names one, published 20 records without their images,
    attack trial 9). ``None``: every record counts, the usual case."""
    if mapping is None:
        return None
    blocks = list(mapping.blocks)
    named = [any(spec.role == "source" for spec in block.fields.values()) for block in blocks]
    per_file = all(block.records.strip() in ("$", "") for block in blocks)
    if per_file or all(named) or not any(named):
        return None
    from ingest.mapping.engine import block_for

    seen: dict[tuple[str, str], bool] = {}

    def sourceless(archive: str, member: str) -> bool:
        if (archive, member) not in seen:
            block = block_for(blocks, member, archive)
            seen[archive, member] = block is not None and not named[blocks.index(block)]
        return seen[archive, member]

    return sourceless


def _record_frame(
    table: pyarrow.Table,
    id_column: str,
    duplicated: dict[str, set[Any]],
    targets: QualityTargets,
    sourceless: Callable[[str, str], bool] | None = None,
) -> pandas.DataFrame:
    """Check-frame rows of parsed records (``sourceless``: see :func:`_sourceless_blocks`)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from quality.record_checks import maybe_pii
    from quality.suites.common import ORPHAN_COLUMN, RECORD_COLUMN, add_share_columns

    frame = table.to_pandas()
    frame["schema_valid"] = True
    frame[RECORD_COLUMN] = True
    frame["has_source"] = frame["source_file"].notna()
    if sourceless is not None:
        places = zip(frame["label_archive"], frame["label_member"], strict=True)
        by_design = np.array([sourceless(str(archive), str(member)) for archive, member in places], dtype=bool)
        if by_design.any() and "label_json" in table.column_names:  # a record that names a media file has one
            names = pc.match_substring_regex(table.column("label_json"), _MEDIA_NAME, ignore_case=True)
            by_design &= ~names.fill_null(False).to_numpy(zero_copy_only=False)
        frame["has_source"] = frame["has_source"].astype("object").where(~by_design, None)
    # ``unit`` is what reports show: an id that holds personal data is shown masked (RE2 finds the ids
    # that may: a superset of what the detectors find; only those go through them)
    units = frame[id_column].astype("object").copy()
    ids = table.column(id_column)
    if pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type):
        maybe = maybe_pii(ids)
    else:
        maybe = np.ones(len(units), dtype=bool)
    units[maybe] = units[maybe].map(lambda v: redact(v) if isinstance(v, str) else v)
    frame["unit"] = units.astype("object")
    frame[ORPHAN_COLUMN] = frame["has_source"].eq(True).map({True: False, False: None}).astype("object")
    for column, values in duplicated.items():
        frame[_flag_column(column)] = _duplicate_flags(frame[column], values)
    return add_share_columns(frame, targets)


def _unit_frame(
    columns: list[str], duplicated: dict[str, set[Any]], targets: QualityTargets, units: list[str], *, orphan: bool
) -> pandas.DataFrame:
    """Check-frame rows of unreadable labels (``orphan`` False) or of orphan source files (True)."""
    import pandas as pd

    from quality.suites.common import ORPHAN_COLUMN, RECORD_COLUMN, add_share_columns

    frame = pd.DataFrame({c: pd.Series([None] * len(units), dtype="object") for c in columns})
    frame["schema_valid"] = pd.Series([None if orphan else False] * len(units), dtype="object")
    frame[RECORD_COLUMN] = None
    frame["has_source"] = None
    frame["unit"] = pd.Series(units, dtype="object")
    frame[ORPHAN_COLUMN] = pd.Series([True if orphan else None] * len(units), dtype="object")
    for column in duplicated:
        frame[_flag_column(column)] = None
    return add_share_columns(frame, targets)


def _unit_name(problem: dict[str, Any]) -> str:
    where = problem["archive"] + (f"!{problem['member']}" if problem.get("member") else "")
    return where + (f"#{problem['field']}" if problem.get("field") else "")


def orphan_sources(
    root: Path, source_archives: dict[str, list[str]], used: Iterable[str], limits: ArchiveLimits = DEFAULT_LIMITS
) -> list[dict[str, Any]]:
    """Problems ``orphan_source`` for source members whose stem matches no label of their split.

    ``used`` are the records' ``source_file`` values (``archive!member``).
    """
    from ingest.archives import list_member_names

    split_of = {archive: split for split, archives in source_archives.items() for archive in archives}
    used_stems: dict[str, set[str]] = {}
    for ref in used:
        archive, _, member = ref.partition("!")
        used_stems.setdefault(split_of.get(archive, ""), set()).add(_stem(member))
    problems = []
    for split, archives in sorted(source_archives.items()):
        stems = used_stems.get(split, set())
        for archive in archives:
            for member in list_member_names(root / archive, limits):
                if _stem(member) not in stems:
                    problems.append(redact_problem(Problem("orphan_source", archive, member, None, _ORPHAN).to_dict()))
    return problems


def _stem(member: str) -> str:
    return member.rsplit("/", 1)[-1].rsplit(".", 1)[0]


# -- results ---------------------------------------------------------------------------------------


def _missing_counts(result_json: Path) -> dict[str, int]:
    """``missing_count`` per expectation key (nulls are not part of a check's population)."""
    payload = json.loads(result_json.read_text(encoding="utf-8"))
    counts = {}
    for item in payload.get("results", []):
        key = (item.get("expectation_config") or {}).get("meta", {}).get("key")
        missing = (item.get("result") or {}).get("missing_count")
        if isinstance(key, str) and isinstance(missing, int):
            counts[key] = missing
    return counts


def _population(outcome: ExpectationOutcome, missing: int) -> int | None:
    if outcome.element_count is None:
        return None
    return outcome.element_count - missing


def _result_text(outcome: ExpectationOutcome, population: int | None) -> str:
    from quality.suites.common import SHARE_PREFIX

    if outcome.key.startswith(SHARE_PREFIX) and isinstance(outcome.observed_value, int | float):
        return f"{outcome.observed_value * 100:.1f}%"
    bad = outcome.unexpected_count
    if population is None or bad is None:
        return "성공 passed" if outcome.success else "실패 failed"
    share = 100.0 * (population - bad) / population if population else 100.0
    return f"{share:.2f}% ({bad:,} / {population:,} 불합격 failing)"


def _problem_links(problems: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Where the units that are not records come from: unreadable labels and orphan source files."""
    links: dict[str, list[dict[str, Any]]] = {}
    for problem in problems:
        if problem["code"] in UNUSABLE_LABEL or problem["code"] == "orphan_source":
            entry = {"archive": problem["archive"], "member": problem.get("member")}
            known = links.setdefault(_unit_name(problem), [])
            if entry not in known:
                known.append(entry)
    return links


def _failing_rows(outcome: ExpectationOutcome, problem_links: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The first failing units with where each came from (records: the failing rows' label member)."""
    links: dict[str, list[dict[str, Any]]] = {}
    for unit, detail in zip(outcome.failing_ids, outcome.failing_details, strict=False):
        if detail.get("label_archive") is None:
            continue
        entry = {"archive": redact(detail["label_archive"]), "member": redact(detail.get("label_member"))}
        known = links.setdefault(unit, [])
        if entry not in known:
            known.append(entry)
    return [
        {"id": unit, **where}
        for unit in dict.fromkeys(outcome.failing_ids[:_MAX_ROW_LINKS])
        for where in (links.get(unit) or problem_links.get(unit) or [{"archive": None, "member": None}])
    ]


def _items(
    result: SuiteResult, missing: dict[str, int], links: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """One report row per expectation; ``links`` are where non-record units come from."""
    items = []
    for o in result.outcomes:
        population = _population(o, missing.get(o.key, 0))
        items.append(
            {
                "key": o.key,
                "category_ko": o.spec.category_ko,
                "category_en": o.spec.category_en,
                "item_ko": o.spec.item_ko,
                "item_en": o.spec.item_en,
                "severity": o.severity,
                "success": o.success,
                "target": o.spec.target,
                "result": _result_text(o, population),
                "element_count": population,
                "unexpected_count": o.unexpected_count,
                "failing_ids": o.failing_ids,
                "failing_rows": _failing_rows(o, links),
            }
        )
    return items


def _pii_summary(inp: QualityInput, schema_id_column: str) -> dict[str, Any]:
    from quality import pii
    from quality.record_checks import merge_tallies

    policy = inp.targets.pii_policy if inp.targets is not None else "block"
    merged = merge_tallies(policy, inp.pii)
    merged["rules"] = [
        {"rule": r.id, "name_ko": r.name_ko, "name_en": r.name_en, "token": r.token, **merged["rules"][r.id]}
        for r in pii.RULES
    ]
    merged["found"] = sum(r["found"] for r in merged["rules"])
    merged["masked"] = sum(r["masked"] for r in merged["rules"])
    merged["id_column"] = schema_id_column
    return merged


def _write_summary_json(summary: dict[str, Any], path: Path) -> Path:
    write_atomic(path, (json.dumps(summary, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode(), fsync=False)
    return path


class _Scan:
    """Questions about every record at once, asked of a scratch DuckDB (memory-limited, spills to disk)."""

    def __init__(self, scratch: Path) -> None:
        import duckdb

        self._con: duckdb.DuckDBPyConnection = duckdb.connect(
            config={
                "memory_limit": _SCAN_MEMORY,
                "temp_directory": str(scratch),
                "threads": 1,
                "preserve_insertion_order": False,
            }
        )
        self._con.execute("SET enable_progress_bar = false")  # never on stdout (`--json` output)
        self._con.execute("CREATE TABLE used (split VARCHAR, stem VARCHAR)")
        self._con.execute("CREATE TABLE archives (archive VARCHAR, split VARCHAR)")
        self._con.execute("CREATE TABLE members (seq BIGINT, split VARCHAR, archive INTEGER, member VARCHAR)")
        self._archives: list[str] = []  # members.archive is an index into this
        self._seq = 0

    def duplicated(self, files: list[Path], column: str) -> set[Any]:
        """Values of ``column`` found in more than one record of ``files``.

        A sort finds the 64-bit hashes that repeat (DuckDB sorts out of core; its hash aggregate ran
        out of memory under the limit), then only the rows with those hashes are grouped exactly.
        """
        if not files:
            return set()
        quoted = '"' + column.replace('"', '""') + '"'
        paths = [str(f) for f in files]
        repeated = self._con.execute(
            f"SELECT DISTINCT h FROM (SELECT h, lag(h) OVER (ORDER BY h) AS previous FROM "
            f"(SELECT hash({quoted}) AS h FROM read_parquet(?) WHERE {quoted} IS NOT NULL)) WHERE h = previous",
            [paths],
        ).fetchall()
        if not repeated:
            return set()
        rows = self._con.execute(
            f"SELECT {quoted} FROM read_parquet(?) WHERE {quoted} IS NOT NULL "
            f"AND hash({quoted}) IN (SELECT unnest(?::UBIGINT[])) GROUP BY 1 HAVING count(*) > 1",
            [paths, [h for (h,) in repeated]],
        ).fetchall()
        return {row[0] for row in rows}

    def _insert(self, table: str, data: pyarrow.Table) -> None:
        self._con.register("_rows", data)
        try:
            self._con.execute(f"INSERT INTO {table} SELECT * FROM _rows")
        finally:
            self._con.unregister("_rows")

    def load_used(self, files: list[Path], split_of: dict[str, str], listed: Mapping[str, bool] | None = None) -> None:
        """Note the source files the records point to (``source_file``: ``archive!member``), by split
        and stem, straight from the chunks; and every name in ``listed`` source columns (a list per row,
        :func:`schemas.mapped.listed_sources`: column → joined by stem), in the split of the row's source."""
        import pyarrow as pa

        if not files:
            return
        self._insert("archives", pa.table({"archive": list(split_of), "split": list(split_of.values())}))
        member = "substr(r.ref, strpos(r.ref, '!') + 1)"  # after the first '!', as str.partition
        paths = [[str(f) for f in files]]
        self._con.execute(
            f"INSERT INTO used SELECT coalesce(a.split, ''), "
            f"CASE WHEN strpos(r.ref, '!') > 0 THEN {_STEM_SQL.format(member)} ELSE '' END "
            "FROM (SELECT source_file AS ref FROM read_parquet(?) WHERE source_file IS NOT NULL) r "
            "LEFT JOIN archives a ON a.archive = split_part(r.ref, '!', 1)",
            paths,
        )
        for column, by_stem in (listed or {}).items():
            name = "replace(CAST(r.v AS VARCHAR), '\\', '/')"
            key = _STEM_SQL.format(name) if by_stem else "CAST(r.v AS VARCHAR)"
            self._con.execute(
                f"INSERT INTO used SELECT coalesce(a.split, ''), {key} "
                f'FROM (SELECT source_file AS ref, unnest("{column}") AS v FROM read_parquet(?) '
                "WHERE source_file IS NOT NULL) r "
                "LEFT JOIN archives a ON a.archive = split_part(r.ref, '!', 1) WHERE r.v IS NOT NULL",
                paths,
            )

    def load_sources(
        self,
        root: Path,
        source_archives: dict[str, list[str]],
        rows: int,
        labels_in: dict[str, tuple[str, ...]],
        limits: ArchiveLimits = DEFAULT_LIMITS,
    ) -> None:
        """List the source archives' members (one archive's names in memory at a time)."""
        import pyarrow as pa

        from ingest.source_index import cached_index
        from quality.gx_runner import trim_heap

        pending: list[pa.Table] = []  # parts of small archives, inserted together (one insert per ``rows``)
        held = 0
        for split, archives in sorted(source_archives.items()):
            index = cached_index(root, archives, labels_in, limits)  # the extract stage's index when it ran here
            for position, archive in enumerate(archives):
                number = len(self._archives)
                self._archives.append(archive)
                names = index.names(position)
                for start in range(0, len(names), rows):
                    part = names[start : start + rows]
                    data = {
                        "seq": pa.array(range(self._seq, self._seq + len(part)), pa.int64()),
                        "split": [split] * len(part),
                        "archive": pa.array([number] * len(part), pa.int32()),
                        "member": part,
                    }
                    self._seq += len(part)
                    pending.append(pa.table(data))
                    held += len(part)
                    if held >= rows:
                        self._insert("members", pa.concat_tables(pending))
                        pending, held = [], 0
                if len(names) >= rows:  # a big listing: its memory back before the next (a small one: no need)
                    del names
                    trim_heap()
        if pending:
            self._insert("members", pa.concat_tables(pending))

    def orphans(self, rows: int) -> Iterator[list[tuple[str, str]]]:
        """``(archive, member)`` of source files whose stem no record of their split uses, in archive
        order then name order (as :func:`orphan_sources`), ``rows`` at a time."""
        cursor = self._con.execute(
            f"SELECT archive, member FROM (SELECT seq, split, archive, member, {_STEM_SQL.format('member')} AS stem "
            "FROM members) s WHERE NOT EXISTS (SELECT 1 FROM used u WHERE u.split = s.split AND u.stem = s.stem) "
            "ORDER BY seq"
        )
        while found := cursor.fetchmany(rows):
            yield [(self._archives[a], str(m)) for a, m in found]

    def close(self) -> None:
        self._con.close()


@dataclass
class _Tally:
    """What the batches held, for the summary."""

    rows: int = 0  # every check-frame row
    records: int = 0  # parsed records (rows that will be published)
    orphans: int = 0
    orphan_problems: list[dict[str, Any]] = field(default_factory=list)  # the first ones


def _batches(
    inp: QualityInput,
    columns: list[str],
    id_column: str,
    targets: QualityTargets,
    duplicated: dict[str, set[Any]],
    scan: _Scan,
    rows: int,
    tally: _Tally,
) -> Iterator[pandas.DataFrame]:
    """The check frame, ``rows`` at a time: records, then unreadable labels, then orphan source files."""
    sourceless = _sourceless_blocks(inp.mapping)
    read = [*columns, "label_json"] if sourceless is not None and "label_json" not in columns else columns
    for table in _record_tables(inp.chunk_files, read, rows):
        frame = _record_frame(table, id_column, duplicated, targets, sourceless)
        if read is not columns:
            frame = frame.drop(columns=["label_json"])
        del table
        tally.rows += len(frame)
        tally.records += len(frame)
        yield frame
    bad = [_unit_name(redact_problem(p)) for p in inp.invalid_units]
    for start in range(0, len(bad), rows):
        chunk = bad[start : start + rows]
        tally.rows += len(chunk)
        yield _unit_frame(columns, duplicated, targets, chunk, orphan=False)
    if _asks_orphans(inp):
        for found in scan.orphans(rows):
            units = []
            for archive, member in found:
                problem = redact_problem(Problem("orphan_source", archive, member, None, _ORPHAN).to_dict())
                if len(tally.orphan_problems) < _KEPT_PROBLEMS:
                    tally.orphan_problems.append(problem)
                units.append(_unit_name(problem))
            tally.orphans += len(units)
            tally.rows += len(units)
            yield _unit_frame(columns, duplicated, targets, units, orphan=True)
    if tally.rows == 0:
        yield _unit_frame(columns, duplicated, targets, [], orphan=False)


def _asks_orphans(inp: QualityInput) -> bool:
    return inp.dataset_root is not None and bool(inp.source_archives)


def run_quality(inp: QualityInput, out_dir: Path, *, rows: int | None = None, fork: bool = False) -> dict[str, Any]:
    """Validate, write GX result + Data Docs + summary reports into ``out_dir``; return the summary.

    ``rows``: check-frame rows per batch (default :func:`batch_rows`). ``fork``: this process may fork
    (a job of the warm worker, see :mod:`kcore.forked`): the charts' profile and drawing then run in a
    forked child while Great Expectations validates here, on the core that would idle. Same summary,
    same bytes either way.
    """
    from quality.gx_runner import trim_heap
    from quality.report import write_summary
    from quality.suites import suite_for
    from quality.suites.common import common_specs
    from schemas.records import get_record_schema

    schema = inp.schema or get_record_schema(inp.record_schema)
    targets = inp.targets if inp.targets is not None else QualityTargets(syntactic_validity=inp.syntactic_target)
    if inp.mapping is not None:
        from quality.suites.mapped import mapped_specs

        has_sources = bool(inp.source_archives)
        specs = mapped_specs(schema, inp.mapping, syntactic_target=inp.syntactic_target, has_sources=has_sources)
        specs += common_specs(targets)
    else:
        specs = suite_for(inp.record_schema, syntactic_target=inp.syntactic_target, targets=targets)
    columns = schema.check_columns()
    tally = _Tally()
    out_dir.mkdir(parents=True, exist_ok=True)
    trim_heap()  # what the stages before left behind (before a fork: the child starts small too)
    with contextlib.ExitStack() as side:
        drawn = side.enter_context(_fork_profile(inp, schema, targets)) if fork else None
        summary = _validate(inp, out_dir, schema, targets, specs, columns, tally, rows)
        profile, profiled = _take_profile(drawn, inp, schema, targets)
    summary["profile"] = profile
    summary["report"] = str(write_summary(summary, out_dir / "summary.html", profiled))
    summary["summary_json"] = str(out_dir / SUMMARY_JSON)
    _write_summary_json(summary, out_dir / SUMMARY_JSON)
    return summary


def _validate(
    inp: QualityInput,
    out_dir: Path,
    schema: RecordSchema,
    targets: QualityTargets,
    specs: list[ExpectationSpec],
    columns: list[str],
    tally: _Tally,
    rows: int | None,
) -> dict[str, Any]:
    """The suite over every record and the dataset-level items: the summary, without the profile."""
    import tempfile

    from quality import pii
    from quality.gx_runner import run_suite_batches
    from quality.suites import SUITE_VERSION

    with tempfile.TemporaryDirectory(prefix=".scan-", dir=out_dir) as scratch:
        scan = _Scan(Path(scratch))
        try:
            # the whole-dataset questions first, while the process is small (listing a source archive
            # costs ~0.5 KB per member while it lasts: zipfile's directory objects)
            if _asks_orphans(inp):
                assert inp.dataset_root is not None
                scan.load_sources(inp.dataset_root, inp.source_archives, batch_rows(rows), inp.labels_in, inp.limits)
                split_of = {archive: split for split, archives in inp.source_archives.items() for archive in archives}
                from schemas.mapped import listed_sources

                listed = listed_sources(inp.mapping) if inp.mapping is not None else {}
                scan.load_used(inp.chunk_files, split_of, listed)
            unique = [c for c in _unique_columns(specs) if c in columns]
            duplicated = {column: scan.duplicated(inp.chunk_files, column) for column in unique}
            result = run_suite_batches(
                _batches(inp, columns, schema.id_column, targets, duplicated, scan, batch_rows(rows), tally),
                specs,
                suite_name=f"{inp.record_schema.replace(':', '.')}.v{SUITE_VERSION}",
                out_dir=out_dir,
                id_column="unit",
                unique_flags={column: _flag_column(column) for column in unique},
                detail_columns=_DETAIL_COLUMNS,
            )
        finally:
            scan.close()
    reader_problems = [redact_problem(p) for p in inp.problems]
    problems = [*reader_problems, *tally.orphan_problems]
    items = _items(result, _missing_counts(result.result_json), _problem_links(problems))
    records = tally.records
    critical_failed, warnings_failed = list(result.critical_failed), list(result.warnings_failed)
    for item in _volume_items(records, inp.expected_labels):
        items.append(item)
        if not item["success"]:
            (critical_failed if item["severity"] == "critical" else warnings_failed).append(item["key"])
    return {
        "run_id": inp.run_id,
        "dataset_id": inp.dataset_id,
        "version": inp.version,
        "suite": result.suite_name,
        "suite_version": SUITE_VERSION,
        "detector_version": pii.DETECTOR_VERSION,
        "gx_version": result.gx_version,
        "records_checked": tally.rows - tally.orphans,
        "records": records,
        "orphan_sources": tally.orphans,
        "verdict": verdict_of(critical_failed, warnings_failed),
        "critical_failed": critical_failed,
        "warnings_failed": warnings_failed,
        "checks_by_column": _checks_by_column(result),
        "skipped_files": [{k: redact(str(v)) for k, v in f.items()} for f in inp.skipped[:_KEPT_PROBLEMS]],
        "skipped_file_count": len(inp.skipped),
        "items": items,
        "pii": _pii_summary(inp, schema.id_column),
        "problems": problems[:_KEPT_PROBLEMS],
        "problem_count": len(reader_problems) + tally.orphans,
        "result_json": str(result.result_json),
        "data_docs": str(result.data_docs_index) if result.data_docs_index else None,
    }


def _profile_and_charts(
    inp: QualityInput, schema: RecordSchema, targets: QualityTargets
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The run's profile and the charts drawn from it (what a forked child sends back)."""
    from quality.charts import profile_charts

    profile = _profile(inp, schema, targets)
    return profile, profile_charts(profile)


def _fork_profile(
    inp: QualityInput, schema: RecordSchema, targets: QualityTargets
) -> contextlib.AbstractContextManager[Forked[tuple[dict[str, Any], list[dict[str, Any]]]] | None]:
    """:func:`_profile_and_charts` in a forked child, or ``None`` when no process can be forked now."""
    try:
        return Forked(_profile_and_charts, inp, schema, targets)
    except OSError as error:
        log.warning("charts drawn after the suite instead: cannot fork (%s)", error)
        return contextlib.nullcontext()


def _take_profile(
    drawn: Forked[tuple[dict[str, Any], list[dict[str, Any]]]] | None,
    inp: QualityInput,
    schema: RecordSchema,
    targets: QualityTargets,
) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    """The profile and its charts from the forked child, or computed here (no child, or it failed: the
    charts never decide a verdict, so its failure only costs the time to draw them again)."""
    if drawn is not None:
        try:
            return drawn.result()
        except ForkedFailed as error:
            log.warning("charts drawn here instead: %s", error)
    return _profile(inp, schema, targets), None


def _profile(inp: QualityInput, schema: RecordSchema, targets: QualityTargets) -> dict[str, Any]:
    """Class shares and histograms for the report's charts; charts never decide a verdict, so a failure
    here only leaves them out (and says why in the summary)."""
    import duckdb

    from quality.profile import profile_chunks

    try:
        return profile_chunks(inp.chunk_files, schema, targets)
    except (duckdb.Error, OSError) as error:
        return {"classes": [], "histograms": [], "error": f"charts left out: {type(error).__name__}"}


MIN_LABEL_SHARE = 0.5
"""Rows below this share of the manifest's ``counts.label`` fail the gate: labels went missing."""


def _volume_items(records: int, expected: int | None) -> list[dict[str, Any]]:
    """Dataset-level items beside the GX suite: some rows at all (an empty version is never published),
    and rows not far below the 구축량 the manifest states."""
    base: dict[str, Any] = {"category_ko": "완전성", "category_en": "Completeness", "severity": "critical",
                            "failing_ids": [], "failing_rows": [], "unexpected_count": None,
                            "element_count": records}  # fmt: skip
    items = [
        {
            **base,
            "key": "records_present",
            "item_ko": "게시할 레코드 존재 (빈 버전 게시 금지)",
            "item_en": "The version has rows (an empty version is never published)",
            "success": records > 0,
            "target": "≥ 1",
            "result": f"{records:,}",
        }
    ]
    if expected:
        share = records / expected
        items.append(
            {
                **base,
                "key": "label_count_reached",
                "item_ko": "구축량 대비 레코드 수 (라벨링데이터 수)",
                "item_en": "Rows against the stated label count (counts.label)",
                "success": share >= MIN_LABEL_SHARE,
                "target": f"≥ {MIN_LABEL_SHARE * 100:g}% of {expected:,}",
                "result": f"{share * 100:.1f}% ({records:,} / {expected:,})",
            }
        )
    return items


def _checks_by_column(result: SuiteResult) -> dict[str, list[str]]:
    """Which checks ran on which column (the report says it; mapped suites are generated)."""
    out: dict[str, list[str]] = {}
    for outcome in result.outcomes:
        kwargs = outcome.spec.kwargs
        for column in (kwargs.get("column"), kwargs.get("column_A"), kwargs.get("column_B")):
            if isinstance(column, str):
                out.setdefault(column, []).append(outcome.key)
    return out


def invalid_units(problems: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The problems that made a label unit unusable (:data:`ingest.problems.UNUSABLE_LABEL`: unreadable JSON,
    CSV, XML, lines or text, a file too large, schema errors)."""
    return [p for p in problems if p["code"] in UNUSABLE_LABEL]
