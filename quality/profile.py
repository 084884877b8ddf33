"""What the auditor's charts show, computed once per quality run over the run's chunks (DuckDB over Parquet):
class shares against the manifest's target distributions, and histograms of text length, audio duration
and box size where the record schema has such fields.

Only counts and bin edges are kept (``summary["profile"]``): never a value from the data. Class counts are
kept for the classes the manifest declares; every other value is counted as 기타 other, unnamed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    import duckdb

    from schemas.manifest import QualityTargets
    from schemas.records import RecordSchema

__all__ = ["BINS", "OTHER", "profile_chunks"]

BINS = 20
OTHER = "기타 other"
_TEXT_NAMES = ("utterance", "text", "sentence", "transcript", "passage", "content", "report_text", "note_text", "body")
_SKIP = ("id", "sha256", "source_file", "label_archive", "label_member", "raw_text", "label_json", "path")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text_like(name: str) -> bool:
    lowered = name.lower()
    if lowered.endswith(_SKIP) or lowered in _SKIP:
        return False
    return lowered in _TEXT_NAMES or lowered.endswith(("_text", "text")) or "utterance" in lowered


def _text_expression(schema: pa.Schema) -> tuple[str, str] | None:
    """(SQL giving one text per row, its description) for the first text-like field of the schema."""
    for field in schema:
        column = _quote(field.name)
        if pa.types.is_string(field.type) and _text_like(field.name):
            return f"SELECT length({column}) AS v FROM chunks", field.name
        if pa.types.is_list(field.type):
            item = field.type.value_type
            if pa.types.is_string(item) and _text_like(field.name):
                return f"SELECT length(unnest({column})) AS v FROM chunks", f"{field.name}[*]"
            if pa.types.is_struct(item):
                for child in item:
                    if pa.types.is_string(child.type) and _text_like(child.name):
                        inner = _quote(child.name)
                        sql = f"SELECT length(u.{inner}) AS v FROM (SELECT unnest({column}) AS u FROM chunks)"
                        return sql, f"{field.name}[*].{child.name}"
    return None


def _duration_expression(schema: pa.Schema) -> tuple[str, str] | None:
    for field in schema:
        name = field.name.lower()
        numeric = pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
        if numeric and (name == "duration" or name.endswith(("_duration", "duration_s", "duration_sec"))):
            return f"SELECT {_quote(field.name)} AS v FROM chunks", field.name
    return None


def _box_expression(schema: pa.Schema) -> tuple[str, str] | None:
    """Boxes ``[x, y, w, h]`` in pixels (the built-in schemas' ``bbox`` fields): size √(w·h)."""
    for field in schema:
        if pa.types.is_list(field.type) and pa.types.is_struct(field.type.value_type):
            for child in field.type.value_type:
                if child.name == "bbox" and pa.types.is_list(child.type):
                    column = _quote(field.name)
                    sql = (
                        "SELECT sqrt(greatest(b[3], 0) * greatest(b[4], 0)) AS v FROM "
                        f"(SELECT u.bbox AS b FROM (SELECT unnest({column}) AS u FROM chunks)) WHERE len(b) = 4"
                    )
                    return sql, f"{field.name}[*].bbox"
    return None


def _nice_width(span: float, bins: int) -> float:
    """A round bin width (1, 2, 5 × 10^k) covering ``span`` in about ``bins`` bins."""
    raw = max(span / bins, 1e-9)
    power = 10 ** math.floor(math.log10(raw))
    for step in (1, 2, 5, 10):
        if step * power >= raw:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop returns


def _histogram(con: duckdb.DuckDBPyConnection, sql: str, integer: bool) -> dict[str, Any] | None:
    row = con.execute(f"SELECT min(v), max(v), count(v) FROM ({sql}) WHERE v IS NOT NULL").fetchone()
    if row is None or not row[2]:
        return None
    low, high, count = float(row[0]), float(row[1]), int(row[2])
    width = _nice_width(high - low, BINS)
    if integer:
        width = max(1.0, math.ceil(width))
    start = math.floor(low / width) * width
    bins = max(1, min(BINS + 1, math.floor((high - start) / width) + 1))
    counts = [0] * bins
    grouped = con.execute(
        f"SELECT least(floor((v - {start!r}) / {width!r}), {bins - 1})::BIGINT AS b, count(*) "
        f"FROM ({sql}) WHERE v IS NOT NULL GROUP BY b ORDER BY b"
    ).fetchall()
    for index, n in grouped:
        counts[int(index)] = int(n)
    edges = [round(start + i * width, 6) for i in range(bins + 1)]
    return {"edges": edges, "counts": counts, "values": count, "min": low, "max": high}


_HISTOGRAMS = (
    ("text_length", "텍스트 길이 (글자)", "Text length (characters)", _text_expression, True),
    ("audio_duration", "음성 길이 (초)", "Audio duration (seconds)", _duration_expression, False),
    ("box_size", "박스 크기 √(너비×높이) (픽셀)", "Box size √(width×height) (pixels)", _box_expression, False),
)


def _classes(con: duckdb.DuckDBPyConnection, targets: QualityTargets, schema: pa.Schema) -> list[dict[str, Any]]:
    out = []
    for column, shares in targets.distributions.items():
        if column not in schema.names:
            continue
        found = dict(con.execute(f"SELECT {_quote(column)}::VARCHAR, count(*) FROM chunks GROUP BY 1").fetchall())
        total = sum(int(n) for n in found.values())
        counts = {str(v): int(found.get(str(v), 0)) for v in shares}
        declared = [{"value": str(v), "target": float(s), "count": counts[str(v)]} for v, s in shares.items()]
        other = total - sum(counts.values())
        out.append(
            {
                "column": column,
                "total": total,
                "tolerance": targets.distribution_tolerance,
                "classes": declared,
                "other": other,
            }
        )
    return out


def profile_chunks(chunk_files: list[Path], schema: RecordSchema, targets: QualityTargets) -> dict[str, Any]:
    """Class shares and histograms over the run's chunks (an empty profile when there are no chunks)."""
    import duckdb

    if not chunk_files:
        return {"classes": [], "histograms": []}
    arrow = schema.arrow_schema()
    # bounded: a DuckDB error (out of memory included) only leaves the charts out (quality.check._profile)
    con = duckdb.connect(
        ":memory:",
        config={
            "memory_limit": "1GB",
            "threads": 2,
            "enable_external_access": True,
        },
    )
    con.execute("SET enable_progress_bar = false")  # never on stdout (`--json` output)
    try:
        files = "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in chunk_files) + "]"
        con.execute(f"CREATE VIEW chunks AS SELECT * FROM read_parquet({files})")
        histograms = []
        for key, title_ko, title_en, find, integer in _HISTOGRAMS:
            found = find(arrow)
            if found is None:
                continue
            sql, source = found
            hist = _histogram(con, sql, integer)
            if hist is not None:
                histograms.append({"key": key, "title_ko": title_ko, "title_en": title_en, "field": source, **hist})
        return {"classes": _classes(con, targets, arrow), "histograms": histograms}
    finally:
        con.close()
