"""Charts of a dataset page's quality run: drawn from the run's ``quality_summary.json`` beside its report
(items with counts, and the profile: class shares, histograms), or from the catalog's items when the file
is not on this host. Cached per run; matplotlib is imported only when a page with a quality run is drawn."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["quality_charts"]


@lru_cache(maxsize=64)
def _charts(run_id: str, summary_path: str, stamp: int, items_json: str) -> tuple[dict[str, Any], ...]:
    from quality.charts import charts_for

    data: dict[str, Any] = {"items": json.loads(items_json)}
    if summary_path:
        loaded = json.loads(Path(summary_path).read_text(encoding="utf-8"))
        data = {"items": loaded.get("items") or data["items"], "profile": loaded.get("profile")}
    return tuple(charts_for(data))


def quality_charts(quality: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The charts of the page's quality run (empty when there is none, or when they cannot be drawn)."""
    if not quality or not quality.get("run_id"):
        return []
    from quality.check import SUMMARY_JSON

    report = quality.get("report_path")
    summary = Path(report).parent / SUMMARY_JSON if report else None
    found = summary is not None and summary.is_file()
    stamp = summary.stat().st_mtime_ns if found and summary is not None else 0
    items = json.dumps(quality.get("items") or [], ensure_ascii=False, sort_keys=True, default=str)
    try:
        return list(_charts(str(quality["run_id"]), str(summary) if found else "", stamp, items))
    except Exception:  # deliberately broad: charts are an extra; the page and its tables still render
        return []
