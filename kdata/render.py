"""Human output of the CLI (tables), kept apart from the commands."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["render_rows", "render_show"]


def render_show(out: Console, page: dict[str, Any]) -> None:
    table = Table(show_header=False)
    licence = page.get("license") or {}
    quality = page.get("quality") or {}
    for label, value in (
        ("ID", page["id"]),
        ("제목 title", f"{page['name_ko']} / {page['name_en']}"),
        ("설명 description", f"{page['description_ko']}\n{page['description_en']}"),
        ("분야 domain", f"{page['domain_ko']} ({page['domain']})"),
        ("유형 data type", page["data_type"]),
        ("구축년도 build year", str(page["build_year"])),
        ("갱신년월 updated", str(page.get("date_modified") or "")),
        ("출처 source", str(page.get("publisher") or "")),
        ("최신 버전 latest version", str(page.get("latest_version") or "")),
        ("이용 상태 licence status", str(licence.get("status", ""))),
        ("라이선스 licence", str(licence.get("license_id", ""))),
        ("품질 판정 quality verdict", str(quality.get("verdict", ""))),
        ("보고서 report", str(quality.get("report_path", ""))),
    ):
        table.add_row(label, value)
    out.print(table)
    versions = Table("버전 version", "분할 split", "행 rows", "청크 chunks", "크기 bytes", "판정 verdict")
    for version in page["versions"]:
        for split in version["splits"]:
            versions.add_row(
                version["version"],
                split["split"],
                f"{split['record_count']:,}",
                str(split["chunk_count"]),
                f"{split['content_size']:,}",
                version["quality_verdict"],
            )
    out.print(versions)


def render_rows(out: Console, columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    if fmt == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        sys.stdout.write(json.dumps(records, ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = Table(*columns)
        for row in rows:
            table.add_row(*("" if v is None else str(v) for v in row))
        out.print(table)
