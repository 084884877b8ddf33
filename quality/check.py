"""Run a dataset version's quality suite and decide the verdict.

The check frame has one row per label unit: every parsed record (from the chunks' small scalar
columns) plus one row per unreadable label (``schema_valid`` false), so the syntactic share is
measured against everything that arrived, not just what parsed; plus one row per source file no
label points to (``orphan_source`` true). The suite is the record schema's own plus the common
expectations (:mod:`quality.suites.common`). Reports written into the run's report folder:
``gx_result.json``, ``data_docs/``, ``summary.html`` (the page an auditor signs) and
``quality_summary.json`` (the same, machine-readable). None of them holds a personal-data value.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.problems import Problem
from quality.pii import redact
from quality.record_checks import redact_problem
from schemas.manifest import QualityTargets

if TYPE_CHECKING:
    import pandas

    from quality.gx_runner import ExpectationOutcome, SuiteResult

__all__ = ["SUMMARY_JSON", "QualityInput", "invalid_units", "orphan_sources", "run_quality", "verdict_of"]

SUMMARY_JSON = "quality_summary.json"
"""Machine-readable summary beside ``summary.html``."""

_MAX_ROW_LINKS = 10


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


def verdict_of(critical_failed: list[str], warnings_failed: list[str]) -> str:
    if critical_failed:
        return "failed"
    return "passed_with_warnings" if warnings_failed else "passed"


# -- the check frame -------------------------------------------------------------------------------


def _check_frame(inp: QualityInput, columns: list[str], id_column: str) -> pandas.DataFrame:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from quality.suites.common import RECORD_COLUMN

    tables = [pq.read_table(f, columns=columns) for f in inp.chunk_files]
    if tables:
        frame = pa.concat_tables(tables).to_pandas()
    else:
        frame = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    frame["schema_valid"] = True
    frame[RECORD_COLUMN] = True
    frame["has_source"] = frame["source_file"].notna()
    # ``unit`` is what reports show: an id that holds personal data is shown masked
    frame["unit"] = frame[id_column].map(lambda v: redact(v) if isinstance(v, str) else v).astype("object")
    if inp.invalid_units:
        bad = pd.DataFrame(
            {
                "schema_valid": False,
                "unit": [_unit_name(redact_problem(p)) for p in inp.invalid_units],
            }
        )
        frame = pd.concat([frame, bad], ignore_index=True)
    return frame


def _add_orphans(frame: pandas.DataFrame, orphans: list[dict[str, Any]]) -> pandas.DataFrame:
    """``orphan_source``: False for records with a source, True for one row per orphan source file."""
    import pandas as pd

    from quality.suites.common import ORPHAN_COLUMN

    frame[ORPHAN_COLUMN] = frame["has_source"].eq(True).map({True: False, False: None}).astype("object")
    if orphans:
        rows = pd.DataFrame({ORPHAN_COLUMN: True, "unit": [_unit_name(p) for p in orphans]})
        frame = pd.concat([frame, rows], ignore_index=True)
    return frame


def _unit_name(problem: dict[str, Any]) -> str:
    where = problem["archive"] + (f"!{problem['member']}" if problem.get("member") else "")
    return where + (f"#{problem['field']}" if problem.get("field") else "")


def orphan_sources(root: Path, source_archives: dict[str, list[str]], used: Iterable[str]) -> list[dict[str, Any]]:
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
            for member in list_member_names(root / archive):
                if _stem(member) not in stems:
                    problems.append(
                        redact_problem(
                            Problem(
                                "orphan_source",
                                archive,
                                member,
                                None,
                                "라벨 없는 원천 파일 (no label points to this source file)",
                            ).to_dict()
                        )
                    )
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


def _row_links(frame: pandas.DataFrame, problems: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Where each unit comes from: ``unit -> [{archive, member}]`` (records, bad labels, orphans)."""
    links: dict[str, list[dict[str, Any]]] = {}

    def add(unit: str, archive: Any, member: Any) -> None:
        entry = {"archive": archive, "member": member}
        known = links.setdefault(unit, [])
        if entry not in known:
            known.append(entry)

    if "label_archive" in frame.columns:
        records = frame[frame["label_archive"].notna()]
        columns = (records["unit"], records["label_archive"], records["label_member"])
        redacted: dict[Any, Any] = {}  # archive and member names repeat for every record of a file

        def clean(value: Any) -> Any:
            if value not in redacted:
                redacted[value] = redact(value)
            return redacted[value]

        for unit, archive, member in zip(*columns, strict=True):
            add(str(unit), clean(archive), clean(member))
    for problem in problems:
        if problem["code"] in {"bad_json", "schema", "orphan_source"}:
            add(_unit_name(problem), problem["archive"], problem.get("member"))
    return links


def _items(
    result: SuiteResult, missing: dict[str, int], links: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
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
                "failing_rows": [
                    {"id": unit, **where}
                    for unit in dict.fromkeys(o.failing_ids[:_MAX_ROW_LINKS])
                    for where in links.get(unit, [{"archive": None, "member": None}])
                ],
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
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(summary, ensure_ascii=False, sort_keys=True, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, path)
    return path


def run_quality(inp: QualityInput, out_dir: Path) -> dict[str, Any]:
    """Validate, write GX result + Data Docs + summary reports into ``out_dir``; return the summary."""
    from quality import pii
    from quality.gx_runner import run_suite
    from quality.report import write_summary
    from quality.suites import SUITE_VERSION, suite_for
    from quality.suites.common import ORPHAN_COLUMN, add_share_columns
    from schemas.records import get_record_schema

    schema = get_record_schema(inp.record_schema)
    targets = inp.targets if inp.targets is not None else QualityTargets(syntactic_validity=inp.syntactic_target)
    frame = _check_frame(inp, schema.check_columns(), schema.id_column)
    orphans: list[dict[str, Any]] = []
    if inp.dataset_root is not None and inp.source_archives:
        orphans = orphan_sources(inp.dataset_root, inp.source_archives, frame["source_file"].dropna())
    frame = add_share_columns(_add_orphans(frame, orphans), targets)
    problems = [*(redact_problem(p) for p in inp.problems), *orphans]
    specs = suite_for(inp.record_schema, syntactic_target=inp.syntactic_target, targets=targets)
    result = run_suite(
        frame, specs, suite_name=f"{inp.record_schema}.v{SUITE_VERSION}", out_dir=out_dir, id_column="unit"
    )
    items = _items(result, _missing_counts(result.result_json), _row_links(frame, problems))
    summary: dict[str, Any] = {
        "run_id": inp.run_id,
        "dataset_id": inp.dataset_id,
        "version": inp.version,
        "suite": result.suite_name,
        "suite_version": SUITE_VERSION,
        "detector_version": pii.DETECTOR_VERSION,
        "gx_version": result.gx_version,
        "records_checked": int((~frame[ORPHAN_COLUMN].eq(True)).sum()),
        "orphan_sources": len(orphans),
        "verdict": verdict_of(result.critical_failed, result.warnings_failed),
        "critical_failed": result.critical_failed,
        "warnings_failed": result.warnings_failed,
        "items": items,
        "pii": _pii_summary(inp, schema.id_column),
        "problems": problems[:200],
        "problem_count": len(problems),
        "result_json": str(result.result_json),
        "data_docs": str(result.data_docs_index) if result.data_docs_index else None,
    }
    summary["report"] = str(write_summary(summary, out_dir / "summary.html"))
    summary["summary_json"] = str(out_dir / SUMMARY_JSON)
    _write_summary_json(summary, out_dir / SUMMARY_JSON)
    return summary


def invalid_units(problems: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The problems that made a label unit unusable (bad JSON, schema errors)."""
    return [p for p in problems if p["code"] in {"bad_json", "schema"}]
