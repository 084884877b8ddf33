"""Catalog reads: search with facets, one dataset's page, and the report of a version."""

from __future__ import annotations

from typing import Any

import duckdb

from catalog.korean_text import query_terms
from schemas.domains import DOMAINS, resolve_domain

__all__ = ["latest_report", "search", "show"]


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def search(
    con: duckdb.DuckDBPyConnection,
    text: str | None = None,
    *,
    domain: str | None = None,
    license_status: str | None = None,
    commercial: bool | None = None,
    data_type: str | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Published datasets matching ``text`` (Korean or English, ranked by BM25) and the facets."""
    where = ["d.latest_version IS NOT NULL"]
    params: list[Any] = []
    score = "0.0"
    if text and text.strip():
        terms = " ".join(query_terms(text))
        if not terms:
            return []
        score = "coalesce(fts_main_datasets.match_bm25(d.id, ?), 0) + CASE WHEN d.id = ? THEN 100 ELSE 0 END"
        params += [terms, text.strip().lower()]
        where.append(f"({score}) > 0")
        params += [terms, text.strip().lower()]
    if domain:
        where.append("d.domain = ?")
        params.append(resolve_domain(domain).id)
    if license_status:
        where.append("l.status = ?")
        params.append(license_status)
    if commercial is not None:
        where.append("l.commercial_use = ?")
        params.append(commercial)
    if data_type:
        where.append("d.data_type = ?")
        params.append(data_type)
    sql = f"""
        SELECT d.id, d.name_ko AS title, d.name_en AS title_en, d.domain, d.data_type, d.build_year,
               l.status AS license_status, l.commercial_use, d.latest_version AS version,
               v.record_count AS rows, v.quality_verdict, {score} AS score
        FROM datasets d JOIN licenses l ON l.dataset_id = d.id
        JOIN versions v ON v.dataset_id = d.id AND v.version = d.latest_version
        WHERE {" AND ".join(where)}
        ORDER BY score DESC, d.id
        LIMIT {int(limit)}
    """
    rows = _rows(con.execute(sql, params))
    for row in rows:
        row["domain_ko"] = DOMAINS[row["domain"]].name_ko
        row["score"] = round(float(row["score"]), 4)
    return rows


def show(con: duckdb.DuckDBPyConnection, dataset_id: str) -> dict[str, Any] | None:
    """Everything a dataset page shows; ``None`` when the id is unknown."""
    found = _rows(con.execute("SELECT * EXCLUDE (search_terms) FROM datasets WHERE id = ?", [dataset_id]))
    if not found:
        return None
    page = found[0]
    page["domain_ko"] = DOMAINS[page["domain"]].name_ko
    licence = _rows(con.execute("SELECT * EXCLUDE (dataset_id) FROM licenses WHERE dataset_id = ?", [dataset_id]))
    page["license"] = licence[0] if licence else None
    page["versions"] = _rows(
        con.execute("SELECT * EXCLUDE (dataset_id) FROM versions WHERE dataset_id = ? ORDER BY version", [dataset_id])
    )
    for version in page["versions"]:
        version["splits"] = _rows(
            con.execute(
                "SELECT split, record_count, chunk_count, content_size FROM splits "
                "WHERE dataset_id = ? AND version = ? ORDER BY split",
                [dataset_id, version["version"]],
            )
        )
    page["quality"] = latest_report(con, dataset_id, page.get("latest_version"))
    return page


def latest_report(con: duckdb.DuckDBPyConnection, dataset_id: str, version: str | None) -> dict[str, Any] | None:
    """The newest quality run of a version (or of any version when ``version`` is None)."""
    sql = (
        "SELECT run_id, version, verdict, suite, gx_version, records_checked, critical_failed, warnings_failed, "
        "report_path, result_path, data_docs_path, checked_at FROM quality_runs WHERE dataset_id = ?"
    )
    params: list[Any] = [dataset_id]
    if version:
        sql += " AND version = ?"
        params.append(version)
    rows = _rows(con.execute(sql + " ORDER BY checked_at DESC, run_id LIMIT 1", params))
    if not rows:
        return None
    run = rows[0]
    run["items"] = _rows(
        con.execute(
            "SELECT key, category_ko, item_ko, item_en, severity, target, result, success FROM quality_results "
            "WHERE run_id = ? ORDER BY key",
            [run["run_id"]],
        )
    )
    return run
