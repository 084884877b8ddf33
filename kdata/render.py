"""Human output of the CLI (tables), kept apart from the commands."""

from __future__ import annotations

import csv
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # rich is imported by the functions that draw tables: csv and json output never need it
    from rich.console import Console
    from rich.table import Table

__all__ = ["json_text", "render_rows", "render_search", "render_show", "safe", "text_cell"]

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
"""A spreadsheet reads a cell starting so as a formula (``=HYPERLINK(...)``): CSV cells get a ``'`` first."""


def safe(value: Any) -> str:
    """``value`` as text to print with rich markup around it: unsafe characters written out
    (:func:`kcore.text.printable`) and ``[`` escaped, so that data can neither send terminal escapes nor
    be read as markup (``[link=...]``)."""
    from rich.markup import escape

    from kcore.text import printable

    return escape(printable("" if value is None else str(value)))


def text_cell(value: Any) -> Any:
    """A table cell from data: plain text (no markup), unsafe characters written out."""
    from rich.text import Text

    from kcore.text import printable

    return Text(printable("" if value is None else str(value)))


def _table(*headers: str, **options: Any) -> Table:
    from rich.table import Table

    return Table(*headers, **options)


def _add_row(table: Table, *cells: Any) -> None:
    """A row of data cells: each plain text (no markup), unsafe characters written out."""
    table.add_row(*(text_cell(c) for c in cells))


def _csv_cell(value: Any) -> Any:
    """A CSV cell: text with unsafe characters written out and formulas neutralised (``'=1+1``); numbers as
    they are. ``--format json`` gives every value exactly."""
    if not isinstance(value, str):
        return value
    from kcore.text import printable

    text = printable(value)
    if text.startswith(_FORMULA) and not _number(text):
        return "'" + text
    return text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def json_text(text: str) -> str:
    """JSON text with the unsafe characters JSON leaves as they are (C1 controls, bidirectional overrides)
    written as ``\\uXXXX`` escapes: the same JSON value, harmless on a terminal."""
    from kcore.text import UNSAFE_CHARS

    return UNSAFE_CHARS.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def render_search(out: Console, page: dict[str, Any]) -> None:
    """Search results as a table, then the facet counts when they were asked for."""
    table = _table("ID", "제목 title", "분야 domain", "이용 상태 licence", "버전 version", "행 rows")
    for row in page["results"]:
        _add_row(
            table,
            row["id"],
            f"{row['title']}\n{row['title_en']}",
            f"{row['domain_ko']} ({row['domain']})",
            row["license_status"],
            row["version"],
            f"{row['rows']:,}",
        )
    out.print(table)
    facets = page.get("facets")
    if facets is None:
        out.print(f"{len(page['results'])}건 found", highlight=False)
        return
    out.print(f"{len(page['results'])}건 표시 / 전체 {facets['total']}건 (shown / total)", highlight=False)
    for name, items in facets.items():
        if name == "total" or not items:
            continue
        counts = " · ".join(f"{i['label']} ({i['value']}) {i['count']}" for i in items)
        out.print(f"  {name}: {counts}", highlight=False, soft_wrap=True)


def _text(*parts: Any) -> str:
    return " / ".join(str(p) for p in parts if p not in (None, ""))


def _counts(page: dict[str, Any]) -> str:
    unit = _text(page.get("count_unit_ko"), page.get("count_unit_en"))
    parts = [
        f"{label} {page[key]:,}"
        for key, label in (("raw_count", "원시 raw"), ("source_count", "원천 source"), ("label_count", "라벨 label"))
        if page.get(key) is not None
    ]
    return ", ".join(parts) + (f" ({unit})" if unit and parts else "")


def _license_rows(license: dict[str, Any]) -> list[tuple[str, str]]:
    def yes(value: Any) -> str:
        return "가능 yes" if value else "불가 no"

    return [
        ("이용 상태 licence status", f"{license.get('status_ko', '')} ({license.get('status', '')})"),
        ("상태 사유 status reason", _text(license.get("status_reason"), license.get("status_changed_by"))),
        ("라이선스 licence", _text(license.get("license_id"), license.get("name"), license.get("url"))),
        ("결과물 상업적 이용 commercial use", yes(license.get("commercial_use"))),
        ("변경 modification", yes(license.get("modification"))),
        ("재배포 redistribution", yes(license.get("redistribution"))),
        (
            "신청 자격 who may apply",
            "※ 내국인만 데이터 신청이 가능합니다 (domestic users only)"
            if license.get("domestic_only")
            else "제한 없음 anyone",
        ),
        ("출처 표시 attribution", str(license.get("attribution") or "")),
    ]


def render_show(out: Console, page: dict[str, Any]) -> None:
    """One dataset page: metadata, licence, versions with splits, quality table."""
    table = _table(show_header=False)
    license = page.get("license") or {}
    quality = page.get("quality") or {}
    rows: list[tuple[str, str]] = [
        ("ID", page["id"]),
        ("제목 title", f"{page['name_ko']} / {page['name_en']}"),
        ("설명 description", f"{page['description_ko']}\n{page['description_en']}"),
        ("분야 domain", f"{page['domain_ko']} ({page['domain']})"),
        ("유형 data type", page["data_type"]),
        ("데이터 형식 formats", ", ".join(page.get("encoding_formats") or [])),
        ("라벨링 유형 labelling type", _text(page.get("labeling_type_ko"), page.get("labeling_type_en"))),
        ("라벨링 형식 labelling format", str(page.get("labeling_format") or "")),
        ("구축년도 build year", str(page["build_year"])),
        ("갱신년월 updated", str(page.get("date_modified") or "")),
        ("공개 상태 release status", str(page.get("release_status") or "")),
        ("출처 source", _text(page.get("publisher"), page.get("source_url"))),
        ("구축기관 builders", ", ".join(page.get("creators") or [])),
        ("구축량 counts", _counts(page)),
        ("최신 버전 latest version", str(page.get("latest_version") or "")),
        *_license_rows(license),
        ("품질 판정 quality verdict", str(quality.get("verdict", ""))),
        ("보고서 report", str(quality.get("report_path", ""))),
    ]
    for label, value in rows:
        _add_row(table, label, value)
    out.print(table)
    _render_versions(out, page)
    _render_quality(out, quality)
    _render_license_history(out, page.get("license_history") or [])


def _render_license_history(out: Console, history: list[dict[str, Any]]) -> None:
    table = _table("일시 when (UTC)", "누가 who", "변경 change", "사유 why")
    for row in history:
        detail = row["detail"]
        change = f"{detail.get('from', '')} → {detail.get('to', detail.get('status', ''))}"
        _add_row(table, str(row["occurred_at"])[:19], row["actor"], change, str(detail.get("reason") or row["action"]))
    out.print(table)


def _render_versions(out: Console, page: dict[str, Any]) -> None:
    history = _table("버전 version", "공개일 date", "상태 status", "변경 내용 note", "판정 verdict")
    for version in page["versions"]:
        _add_row(
            history,
            version["version"],
            str(version.get("date_published") or ""),
            str(version.get("release_status") or ""),
            str(version.get("version_note") or ""),
            version["quality_verdict"],
        )
    out.print(history)
    splits = _table("버전 version", "분할 split", "행 rows", "청크 chunks", "크기 bytes")
    for version in page["versions"]:
        for split in version["splits"]:
            _add_row(
                splits,
                version["version"],
                split["split"],
                f"{split['record_count']:,}",
                str(split["chunk_count"]),
                f"{split['content_size']:,}",
            )
    out.print(splits)


def _render_quality(out: Console, quality: dict[str, Any]) -> None:
    if not quality.get("items"):
        return
    table = _table("구분 category", "항목명 item", "정량목표 target", "결과값 result", "통과 passed")
    for item in quality["items"]:
        _add_row(
            table,
            item["category_ko"],
            f"{item['item_ko']}\n{item['item_en']}",
            str(item["target"]),
            str(item["result"]),
            "예 yes" if item["success"] else "아니오 no",
        )
    out.print(table)


def render_rows(out: Console, columns: list[str], rows: list[tuple[Any, ...]], fmt: str) -> None:
    """Query results: ``json`` exact (unsafe characters as ``\\u`` escapes), ``csv`` for spreadsheets (formulas
    and unsafe characters neutralised), a table for the terminal (plain text, unsafe characters written out)."""
    if fmt == "json":
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        sys.stdout.write(json_text(json.dumps(records, ensure_ascii=False, default=str)) + "\n")
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow([_csv_cell(c) for c in columns])
        writer.writerows([_csv_cell(v) for v in row] for row in rows)
    else:
        table = _table(*(safe(c) for c in columns))  # headers are markup in rich
        for row in rows:
            _add_row(table, *row)
        out.print(table)
