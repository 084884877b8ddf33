"""The one-page Korean/English summary an auditor signs: 구분 / 항목명 / 정량목표 / 결과값."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, Template, select_autoescape

__all__ = ["POLICY_KO", "VERDICT_KO", "write_summary"]

VERDICT_KO = {"passed": "합격", "passed_with_warnings": "조건부 합격 (경고)", "failed": "불합격"}
POLICY_KO = {"block": "발견 시 게시 차단", "mask": "마스킹 후 게시"}


@functools.cache
def _template() -> Template:
    """The summary's template, compiled once per process (the warm worker compiles it for its jobs)."""
    env = Environment(loader=PackageLoader("quality", "templates"), autoescape=select_autoescape(["j2", "html"]))
    return env.get_template("summary.html.j2")


def write_summary(summary: dict[str, Any], path: Path, profiled: list[dict[str, Any]] | None = None) -> Path:
    """Render the one-page summary (``summary.html``) of a quality run next to its GX artefacts
    (``profiled``: the profile's charts, if already drawn; see :func:`quality.charts.charts_for`)."""
    template = _template()
    docs = summary.get("data_docs")
    from quality.charts import charts_for  # matplotlib: only when a report is written

    html = template.render(
        charts=charts_for(summary, profiled),
        s=summary,
        verdict_ko=VERDICT_KO[summary["verdict"]],
        policy_ko=POLICY_KO.get(summary["pii"]["policy"], summary["pii"]["policy"]),
        summary_json_href="quality_summary.json",
        result_href=os.path.relpath(summary["result_json"], path.parent),
        docs_href=os.path.relpath(docs, path.parent) if docs else None,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
