"""Catalog writes. Registration of a version is one transaction and the last step of an ingest."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import duckdb

from catalog.korean_text import index_terms
from schemas.domains import DOMAINS
from schemas.manifest import DatasetManifest
from schemas.records import get_record_schema

__all__ = ["audit", "rebuild_search_index", "record_quality_run", "register_version", "view_name"]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def audit(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    dataset_id: str | None,
    version: str | None,
    detail: dict[str, Any],
) -> None:
    """Append one row to the audit log (there is no update or delete path)."""
    con.execute(
        "INSERT INTO audit_log (occurred_at, actor, action, dataset_id, version, detail) VALUES (?, ?, ?, ?, ?, ?)",
        [_now(), actor, action, dataset_id, version, json.dumps(detail, ensure_ascii=False, sort_keys=True)],
    )


def view_name(dataset_id: str, split: str) -> str:
    """``data.<dataset>__<split>``: a SQL view over the latest published chunks of a split."""

    def clean(part: str) -> str:
        return re.sub(r"[^a-z0-9]+", "_", part.lower()).strip("_")

    return f'data."{clean(dataset_id)}__{clean(split)}"'


def rebuild_search_index(con: duckdb.DuckDBPyConnection) -> None:
    """DuckDB's FTS index does not update itself: rebuild it after datasets change."""
    con.execute(
        "PRAGMA create_fts_index('datasets', 'id', 'search_terms', stemmer='none', stopwords='none', "
        "ignore='\\s+', strip_accents=0, lower=1, overwrite=1)"
    )


def _search_terms(m: DatasetManifest) -> str:
    domain = DOMAINS[m.domain]
    return index_terms(
        m.id,
        m.title.ko,
        m.title.en,
        m.description.ko,
        m.description.en,
        " ".join(m.keywords),
        domain.name_ko,
        domain.name_en,
        str(m.build_year),
    )


def _upsert_dataset(con: duckdb.DuckDBPyConnection, m: DatasetManifest) -> None:
    con.execute(
        """INSERT OR REPLACE INTO datasets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
           (SELECT latest_version FROM datasets WHERE id = ?), ?)""",
        [
            m.id,
            m.title.ko,
            m.title.en,
            m.description.ko,
            m.description.en,
            m.domain,
            m.data_type,
            m.record_schema,
            m.build_year,
            m.updated,
            m.source.name,
            m.source.url,
            m.formats,
            m.keywords,
            m.id,
            _search_terms(m),
        ],
    )
    lic = m.license
    # A re-ingest never resets a status an auditor has set.
    con.execute(
        "INSERT INTO licenses VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dataset_id) DO NOTHING",
        [
            m.id,
            lic.id,
            lic.name,
            lic.status,
            lic.commercial_use,
            lic.modification,
            lic.domestic_only,
            lic.redistribution,
            lic.attribution,
            lic.url,
        ],
    )
    schema = get_record_schema(m.record_schema)
    for position, doc in enumerate(schema.column_docs()):
        con.execute(
            "INSERT OR REPLACE INTO column_docs VALUES (?, ?, ?, ?, ?, ?)",
            [schema.name, doc["column"], position, doc["type"], doc["doc_ko"], doc["doc_en"]],
        )


def _version_sort_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _refresh_views(con: duckdb.DuckDBPyConnection, dataset_id: str, version: str, urls: dict[str, list[str]]) -> None:
    for split, files in sorted(urls.items()):
        listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
        con.execute(f"CREATE OR REPLACE VIEW {view_name(dataset_id, split)} AS SELECT * FROM read_parquet([{listing}])")


def register_version(
    con: duckdb.DuckDBPyConnection,
    manifest: DatasetManifest,
    version_manifest: dict[str, Any],
    manifest_url: str,
    chunk_urls: dict[str, str],
    actor: str,
) -> bool:
    """Make a published version visible, in one transaction. ``False`` when it was already registered."""
    dataset_id, version = manifest.id, manifest.version
    con.execute("BEGIN")
    try:
        row = con.execute(
            "SELECT content_sha256 FROM versions WHERE dataset_id = ? AND version = ?", [dataset_id, version]
        ).fetchone()
        if row is not None:
            con.execute("ROLLBACK")
            return False
        _upsert_dataset(con, manifest)
        quality = version_manifest["quality"]
        splits = version_manifest["splits"]
        con.execute(
            "INSERT INTO versions VALUES (?, ?, 'published', ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                dataset_id,
                version,
                manifest.version_note,
                version_manifest["content_sha256"],
                manifest_url,
                sum(s["rows"] for s in splits.values()),
                len(version_manifest["chunks"]),
                sum(s["bytes"] for s in splits.values()),
                quality["verdict"],
                quality["run_id"],
            ],
        )
        for split, info in sorted(splits.items()):
            con.execute(
                "INSERT INTO splits VALUES (?, ?, ?, ?, ?, ?)",
                [dataset_id, version, split, info["rows"], info["chunks"], info["bytes"]],
            )
        urls: dict[str, list[str]] = {}
        for chunk in version_manifest["chunks"]:
            url = chunk_urls[chunk["key"]]
            urls.setdefault(chunk["split"], []).append(url)
            con.execute(
                "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    dataset_id,
                    version,
                    chunk["split"],
                    chunk["key"],
                    url,
                    chunk["rows"],
                    chunk["bytes"],
                    chunk["sha256"],
                    chunk["source_archive"],
                ],
            )
        latest = con.execute("SELECT version FROM versions WHERE dataset_id = ?", [dataset_id]).fetchall()
        newest = max((r[0] for r in latest), key=_version_sort_key)
        con.execute("UPDATE datasets SET latest_version = ? WHERE id = ?", [newest, dataset_id])
        if newest == version:
            _refresh_views(con, dataset_id, version, urls)
        audit(
            con,
            actor,
            "publish",
            dataset_id,
            version,
            {
                "content_sha256": version_manifest["content_sha256"],
                "manifest": manifest_url,
                "rows": {s: i["rows"] for s, i in splits.items()},
                "verdict": quality["verdict"],
            },
        )
        rebuild_search_index(con)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return True


def record_quality_run(con: duckdb.DuckDBPyConnection, summary: dict[str, Any], actor: str) -> None:
    """Store a quality run and its per-expectation results (idempotent per run id)."""
    con.execute("BEGIN")
    try:
        exists = con.execute("SELECT 1 FROM quality_runs WHERE run_id = ?", [summary["run_id"]]).fetchone()
        if exists is None:
            con.execute(
                "INSERT INTO quality_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    summary["run_id"],
                    summary["dataset_id"],
                    summary["version"],
                    summary["verdict"],
                    summary["suite"],
                    summary["gx_version"],
                    summary["records_checked"],
                    len(summary["critical_failed"]),
                    len(summary["warnings_failed"]),
                    summary["report"],
                    summary["result_json"],
                    summary.get("data_docs"),
                    _now(),
                ],
            )
            for item in summary["items"]:
                con.execute(
                    "INSERT INTO quality_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        summary["run_id"],
                        item["key"],
                        item["category_ko"],
                        item["category_en"],
                        item["item_ko"],
                        item["item_en"],
                        item["severity"],
                        item["success"],
                        item["target"],
                        item["result"],
                        item.get("element_count"),
                        item.get("unexpected_count"),
                    ],
                )
            audit(
                con,
                actor,
                "quality_check",
                summary["dataset_id"],
                summary["version"],
                {
                    "run_id": summary["run_id"],
                    "verdict": summary["verdict"],
                    "critical_failed": summary["critical_failed"],
                    "warnings_failed": summary["warnings_failed"],
                },
            )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
