"""Run a dataset version's quality suite and decide the verdict.

The check frame has one row per label unit: every parsed record (from the chunks' small scalar
columns) plus one row per unreadable label (``schema_valid`` false), so the syntactic share is
measured against everything that arrived, not just what parsed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["QualityInput", "run_quality", "verdict_of"]


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


def verdict_of(critical_failed: list[str], warnings_failed: list[str]) -> str:
    if critical_failed:
        return "failed"
    return "passed_with_warnings" if warnings_failed else "passed"


def _check_frame(inp: QualityInput, columns: list[str], id_column: str) -> Any:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [pq.read_table(f, columns=columns) for f in inp.chunk_files]
    if tables:
        frame = pa.concat_tables(tables).to_pandas()
    else:
        frame = pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    frame["schema_valid"] = True
    frame["has_source"] = frame["source_file"].notna()
    frame["unit"] = frame[id_column].astype("object")
    if inp.invalid_units:
        bad = pd.DataFrame(
            {
                "schema_valid": False,
                "unit": [_unit_name(p) for p in inp.invalid_units],
            }
        )
        frame = pd.concat([frame, bad], ignore_index=True)
    return frame


def _unit_name(problem: dict[str, Any]) -> str:
    where = problem["archive"] + (f"!{problem['member']}" if problem.get("member") else "")
    return where + (f"#{problem['field']}" if problem.get("field") else "")


def _result_text(outcome: Any) -> str:
    total, bad = outcome.element_count, outcome.unexpected_count
    if total is None or bad is None:
        return "성공 passed" if outcome.success else "실패 failed"
    share = 100.0 * (total - bad) / total if total else 100.0
    return f"{share:.2f}% ({bad:,} / {total:,} 불합격 failing)"


def run_quality(inp: QualityInput, out_dir: Path) -> dict[str, Any]:
    """Validate, write GX result + Data Docs + summary report into ``out_dir``; return the summary."""
    from quality.gx_runner import run_suite
    from quality.report import write_summary
    from quality.suites import SUITE_VERSION, suite_for
    from schemas.records import get_record_schema

    schema = get_record_schema(inp.record_schema)
    frame = _check_frame(inp, schema.check_columns(), schema.id_column)
    specs = suite_for(inp.record_schema, syntactic_target=inp.syntactic_target)
    result = run_suite(
        frame, specs, suite_name=f"{inp.record_schema}.v{SUITE_VERSION}", out_dir=out_dir, id_column="unit"
    )
    items = [
        {
            "key": o.key,
            "category_ko": o.spec.category_ko,
            "category_en": o.spec.category_en,
            "item_ko": o.spec.item_ko,
            "item_en": o.spec.item_en,
            "severity": o.severity,
            "success": o.success,
            "target": o.spec.target,
            "result": _result_text(o),
            "element_count": o.element_count,
            "unexpected_count": o.unexpected_count,
            "failing_ids": o.failing_ids,
        }
        for o in result.outcomes
    ]
    summary: dict[str, Any] = {
        "run_id": inp.run_id,
        "dataset_id": inp.dataset_id,
        "version": inp.version,
        "suite": result.suite_name,
        "gx_version": result.gx_version,
        "records_checked": len(frame),
        "verdict": verdict_of(result.critical_failed, result.warnings_failed),
        "critical_failed": result.critical_failed,
        "warnings_failed": result.warnings_failed,
        "items": items,
        "problems": inp.problems[:200],
        "problem_count": len(inp.problems),
        "result_json": str(result.result_json),
        "data_docs": str(result.data_docs_index) if result.data_docs_index else None,
    }
    summary["report"] = str(write_summary(summary, out_dir / "summary.html"))
    return summary


def invalid_units(problems: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The problems that made a label unit unusable (bad JSON, schema errors)."""
    return [p for p in problems if p["code"] in {"bad_json", "schema"}]
