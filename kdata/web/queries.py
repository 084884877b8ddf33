"""What the pages show, read from the catalog in one short read-only connection per request.

Everything here takes an open DuckDB connection and returns plain dicts (the same data the JSON API
returns). Fields that later migrations add are read with ``.get()`` by the templates, so a catalog of
an older or newer schema still renders.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import duckdb

from catalog import search as catalog_search
from catalog.access import decide
from kcore.errors import BadInput
from kdata.web.context import ANONYMOUS

__all__ = [
    "DOMESTIC_ONLY_KO",
    "access_for",
    "audit_overview",
    "dataset_chunks",
    "dataset_page",
    "how_to_apply",
    "parse_search",
    "search_results",
    "with_access",
]


_SEARCH_FIELDS = (
    "text",
    "domain",
    "license_status",
    "commercial",
    "data_type",
    "year_from",
    "year_to",
    "release_status",
)


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _int_or_none(name: str, value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise BadInput(f"{name}={value!r}: expected a year such as 2024 (연도를 숫자로)") from None


def _bool_or_none(name: str, value: str | None) -> bool | None:
    if value is None or not value.strip():
        return None
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise BadInput(f"{name}={value!r}: expected true or false")


def parse_search(params: Mapping[str, str | None]) -> dict[str, Any]:
    """Query-string values (all text) → keyword arguments of :class:`catalog.search.SearchQuery`."""
    text = (params.get("q") or "").strip() or None
    if text is not None and len(text) > 200:
        raise BadInput("q: at most 200 characters (검색어는 200자까지)")
    return {
        "text": text,
        "domain": (params.get("domain") or "").strip() or None,
        "license_status": (params.get("license_status") or "").strip() or None,
        "commercial": _bool_or_none("commercial", params.get("commercial")),
        "data_type": (params.get("data_type") or "").strip() or None,
        "year_from": _int_or_none("year_from", params.get("year_from")),
        "year_to": _int_or_none("year_to", params.get("year_to")),
        "release_status": (params.get("release_status") or "").strip() or None,
    }


def search_results(con: duckdb.DuckDBPyConnection, criteria: dict[str, Any], limit: int = 50) -> dict[str, Any]:
    """``{"results": [...], "facets": {...}}`` for the criteria (the keys of :func:`parse_search`), by the
    catalog's own search (:func:`catalog.search.search_page`): the CLI's filters, choices and errors."""
    kwargs = {k: v for k, v in criteria.items() if k in _SEARCH_FIELDS}
    page: dict[str, Any] = catalog_search.search_page(con, catalog_search.SearchQuery(**kwargs, limit=limit))
    page.setdefault("facets", {})
    return page


DOMESTIC_ONLY_KO = "※ 내국인만 데이터 신청이 가능합니다"


def how_to_apply(dataset_id: str, user: str, license: dict[str, Any]) -> list[str]:
    """What a user does to be allowed to download (Korean first, English beside)."""
    status = license.get("status")
    name = user or "<사용자 user>"
    lines: list[str] = []
    if status in ("approval_required", "restricted"):
        lines = [
            f"1. 데이터 관리자(data steward)에게 '{dataset_id}' 이용 신청서를 보냅니다: 사용자 이름 '{name}' 과 "
            "이용 목적을 적으세요 (send an application naming the dataset, your user name and purpose).",
            f"2. 승인되면 관리자가 `kdata approve {dataset_id} --user {name} [--until YYYY-MM-DD]` 로 기록합니다 "
            "(the steward records the approval; approvals can expire).",
            "3. 승인 뒤 이 페이지의 내려받기 버튼이 열립니다 (then the download buttons open on this page).",
        ]
        if status == "restricted":
            lines.insert(0, "제한 데이터: 승인된 사용자만 이용할 수 있습니다 (restricted: approved users only).")
    elif status == "pending_review":
        lines = [
            "라이선스 검토 중입니다: 감사자가 이용 상태를 정하기 전에는 아무도 내려받을 수 없습니다 "
            "(licence under review: no downloads until an auditor sets the status)."
        ]
    elif status == "withdrawn":
        lines = ["철회된 데이터는 내려받을 수 없습니다 (withdrawn: no downloads)."]
    if license.get("domestic_only"):
        lines.append(f"{DOMESTIC_ONLY_KO} (domestic users only).")
    return lines


def access_for(live: duckdb.DuckDBPyConnection, dataset_id: str, user: str) -> dict[str, Any]:
    """May ``user`` read this dataset's rows now (the one decision of :func:`catalog.access.decide`, taken on
    the catalog itself, ``live``), and if not, how to get approval."""
    decision = decide(live, [dataset_id], user)[dataset_id]
    license = _rows(live.execute("SELECT * FROM licenses WHERE dataset_id = ?", [dataset_id]))[0]
    reason = decision.reason
    if not decision.allowed and user == ANONYMOUS and decision.status != "open":
        reason = "로그인한 사용자만 신청·내려받기를 할 수 있습니다 (sign in first: this dataset needs an approval)."
    return {
        "user": user,
        "status": decision.status,
        "allowed": decision.allowed,
        "reason": reason,
        "approval_until": decision.approval_until,
        "how_to_apply": how_to_apply(dataset_id, user, license),
    }


def dataset_chunks(con: duckdb.DuckDBPyConnection, dataset_id: str, version: str) -> list[dict[str, Any]]:
    """The published chunks of one version, split by split, in key order."""
    return _rows(
        con.execute(
            "SELECT split, key, record_count, content_size, sha256, etag FROM chunks "
            "WHERE dataset_id = ? AND version = ? ORDER BY split, key",
            [dataset_id, version],
        )
    )


def _pick_version(page: dict[str, Any], version: str | None) -> str | None:
    known = [v["version"] for v in page.get("versions", [])]
    if version is None:
        return page.get("latest_version") or (known[-1] if known else None)
    if version not in known:
        raise BadInput(f"{page['id']}: no version {version!r} (versions: {', '.join(known) or 'none'})")
    return version


def _attach_reports(con: duckdb.DuckDBPyConnection, page: dict[str, Any]) -> None:
    """Each version's quality run (report paths) by its ``quality_run_id``."""
    runs = {
        row["run_id"]: row
        for row in _rows(
            con.execute(
                "SELECT run_id, verdict, report_path, data_docs_path FROM quality_runs WHERE dataset_id = ?",
                [page["id"]],
            )
        )
    }
    for version in page.get("versions", []):
        version["quality_run"] = runs.get(version.get("quality_run_id"))


def dataset_page(con: duckdb.DuckDBPyConnection, dataset_id: str, version: str | None = None) -> dict[str, Any] | None:
    """:func:`catalog.search.show` plus the chosen version's chunks (the user's access: :func:`with_access`)."""
    page = catalog_search.show(con, dataset_id)
    if page is None:
        return None
    selected = _pick_version(page, version)
    page["selected_version"] = selected
    page["chunks"] = dataset_chunks(con, dataset_id, selected) if selected else []
    if selected and selected != page.get("latest_version"):
        page["quality"] = catalog_search.latest_report(con, dataset_id, selected)
    _attach_reports(con, page)
    return page


def with_access(page: dict[str, Any], live: duckdb.DuckDBPyConnection, user: str) -> dict[str, Any]:
    """The page with the user's access: download links and sample rows only when they may read the rows.
    An anonymous visitor sees the licence's history (when and why its status changed), not who changed it
    (audit rows name staff), and no count of approvals."""
    page["access"] = access_for(live, page["id"], user)
    page["samples_visible"] = page["access"]["allowed"]
    if user == ANONYMOUS:
        page.pop("approvals_current", None)
        page["license_history"] = [
            {k: v for k, v in row.items() if k not in ("actor", "seq")} for row in page.get("license_history") or []
        ]
    return page


def _failed_items(con: duckdb.DuckDBPyConnection, run_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    if not run_ids:
        return {}
    rows = _rows(
        con.execute(
            "SELECT run_id, key, item_ko, item_en, severity, target, result FROM quality_results "
            "WHERE NOT success AND run_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY run_id, severity, key",
            [run_ids],
        )
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row.pop("run_id"), []).append(row)
    return found


def _pending(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    pending = _rows(
        con.execute(
            "SELECT d.id, d.name_ko, d.name_en, d.domain, d.latest_version, l.* EXCLUDE (dataset_id) "
            "FROM licenses l JOIN datasets d ON d.id = l.dataset_id WHERE l.status = 'pending_review' ORDER BY d.id"
        )
    )
    for item in pending:
        item["versions"] = _rows(
            con.execute(
                "SELECT version, record_count, chunk_count, quality_verdict FROM versions WHERE dataset_id = ? "
                "ORDER BY version",
                [item["id"]],
            )
        )
    return pending


def _recent_license_events(con: duckdb.DuckDBPyConnection, limit: int = 30) -> list[dict[str, Any]]:
    rows = _rows(
        con.execute(
            "SELECT seq, occurred_at, actor, action, dataset_id, CAST(detail AS VARCHAR) AS detail FROM audit_log "
            "WHERE action LIKE 'license%' OR action = 'approve' ORDER BY seq DESC LIMIT ?",
            [limit],
        )
    )
    for row in rows:
        row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
    return rows


def audit_overview(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The auditor's page: datasets pending review, failed quality gates, recent licence changes."""
    failed = _rows(
        con.execute(
            "SELECT run_id, dataset_id, version, verdict, records_checked, critical_failed, warnings_failed, "
            "report_path, data_docs_path, checked_at FROM quality_runs WHERE verdict = 'failed' "
            "ORDER BY checked_at DESC, run_id LIMIT 200"
        )
    )
    items = _failed_items(con, [run["run_id"] for run in failed])
    for run in failed:
        run["failed_items"] = items.get(run["run_id"], [])
    datasets = _rows(
        con.execute(
            "SELECT d.id, d.name_ko, d.name_en, l.status FROM datasets d JOIN licenses l ON l.dataset_id = d.id "
            "ORDER BY d.id"
        )
    )
    return {
        "pending_review": _pending(con),
        "failed_gates": failed,
        "datasets": datasets,
        "license_events": _recent_license_events(con),
    }
