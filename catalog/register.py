"""Catalog writes. Registration of a version is one transaction and the last step of an ingest.

Search stays incremental: registering a version replaces that dataset's rows in ``search_postings``
(its :func:`catalog.korean_text.index_terms`), so the cost of a registration does not grow with the
catalog (DuckDB's FTS index had to be rebuilt over every dataset each time).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import duckdb

from catalog.audit import audit, now
from catalog.db import transaction
from catalog.korean_text import index_terms
from catalog.license import register_license
from catalog.names import view_name
from catalog.roles import require
from kcore.errors import BadInput
from kcore.faults import fault_point
from schemas.contracts import VersionManifest
from schemas.domains import DOMAINS
from schemas.manifest import DatasetManifest
from schemas.mapped import record_schema_for
from schemas.records import RECORD_SCHEMAS, RecordSchema
from schemas.run import QualitySummary

__all__ = [
    "audit",
    "index_dataset",
    "record_quality_run",
    "register_version",
    "stored_record_schema",
    "version_sort_key",
    "view_name",
]

_now = now


def index_dataset(con: duckdb.DuckDBPyConnection, dataset_id: str, terms: str) -> None:
    """Replace one dataset's search postings (its distinct terms) and its BM25 document length."""
    unique = list(dict.fromkeys(t for t in terms.split(" ") if t))
    con.execute("DELETE FROM search_postings WHERE dataset_id = ?", [dataset_id])
    # one string, not a list parameter: DuckDB's Python client imports pandas to convert lists
    con.execute("INSERT INTO search_postings SELECT ?, unnest(string_split(?, ' '))", [dataset_id, " ".join(unique)])
    con.execute("UPDATE datasets SET search_length = ? WHERE id = ?", [len(unique), dataset_id])


def _search_terms(m: DatasetManifest) -> str:
    domain = DOMAINS[m.domain]
    labeling = [m.labeling.type.ko, m.labeling.type.en, m.labeling.format] if m.labeling else []
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
        *labeling,
        m.source.name,
        " ".join(m.source.builders),
        titles=(m.title.ko, m.title.en),
    )


def _dataset_values(m: DatasetManifest) -> dict[str, Any]:
    """The ``datasets`` row of a manifest (Croissant/schema.org names where one exists)."""
    labeling, counts = m.labeling, m.counts
    return {
        "id": m.id,
        "name_ko": m.title.ko,
        "name_en": m.title.en,
        "description_ko": m.description.ko,
        "description_en": m.description.en,
        "domain": m.domain,
        "data_type": m.data_type,
        "record_schema": m.schema_name,
        "build_year": m.build_year,
        "date_modified": m.updated,
        "publisher": m.source.name,
        "source_url": m.source.url,
        "encoding_formats": m.formats,
        "keywords": m.keywords,
        "search_terms": _search_terms(m),
        "labeling_type_ko": labeling.type.ko if labeling else None,
        "labeling_type_en": labeling.type.en if labeling else None,
        "labeling_format": labeling.format if labeling else None,
        "release_status": m.release_status,
        "raw_count": counts.raw,
        "source_count": counts.source,
        "label_count": counts.label,
        "count_unit_ko": counts.unit.ko if counts.unit else None,
        "count_unit_en": counts.unit.en if counts.unit else None,
        "creators": m.source.builders or [m.source.name],
        "collection_ko": m.collection.ko if m.collection else None,
        "collection_en": m.collection.en if m.collection else None,
        "pii_policy": getattr(m.quality, "pii_policy", None),
    }


_LIST_COLUMNS = frozenset({"encoding_formats", "keywords", "creators"})
# Lists go in as JSON text: DuckDB's Python client imports pandas (seconds) to convert list parameters.
_LIST_PARAM = "from_json(?, '[\"VARCHAR\"]')"


def _upsert_dataset(con: duckdb.DuckDBPyConnection, m: DatasetManifest, newest: bool, actor: str) -> None:
    """Insert the dataset, or update its page from the manifest of its newest version only.

    The catalog tables have no key indexes (see migration 0003): keys are looked up here, inside
    the registration's transaction.
    """
    values = _dataset_values(m)
    names = [n for n in values if n != "id"]
    params = [json.dumps(values[n], ensure_ascii=False) if n in _LIST_COLUMNS else values[n] for n in names]
    marks = [_LIST_PARAM if n in _LIST_COLUMNS else "?" for n in names]
    exists = con.execute("SELECT 1 FROM datasets WHERE id = ?", [m.id]).fetchone() is not None
    if not exists:
        con.execute(f"INSERT INTO datasets (id, {', '.join(names)}) VALUES (?, {', '.join(marks)})", [m.id, *params])
    elif newest:
        assignments = ", ".join(f"{n} = {mark}" for n, mark in zip(names, marks, strict=True))
        con.execute(f"UPDATE datasets SET {assignments} WHERE id = ?", [*params, m.id])
    if newest or not exists:
        index_dataset(con, m.id, values["search_terms"])
        register_license(con, m.id, m.license, actor)
    _store_column_docs(con, record_schema_for(m))


def _store_column_docs(con: duckdb.DuckDBPyConnection, schema: RecordSchema) -> None:
    """Column docs of a record schema, rewritten only when they changed (and a mapped schema itself)."""
    if schema.name not in RECORD_SCHEMAS:
        blob = schema.arrow_schema().serialize().to_pybytes()
        con.execute("DELETE FROM record_schemas WHERE name = ?", [schema.name])
        con.execute(
            "INSERT INTO record_schemas VALUES (?, ?, ?, ?)", [schema.name, schema.domain, schema.id_column, blob]
        )
    rows = [
        (schema.name, doc["column"], position, doc["type"], doc["doc_ko"], doc["doc_en"])
        for position, doc in enumerate(schema.column_docs())
    ]
    stored = con.execute(
        "SELECT record_schema, column_name, position, type, doc_ko, doc_en FROM column_docs "
        "WHERE record_schema = ? ORDER BY position",
        [schema.name],
    ).fetchall()
    if [tuple(r) for r in stored] == rows:
        return
    con.execute("DELETE FROM column_docs WHERE record_schema = ?", [schema.name])
    con.executemany("INSERT INTO column_docs VALUES (?, ?, ?, ?, ?, ?)", [list(r) for r in rows])


def version_sort_key(version: str) -> tuple[int, ...]:
    """Numeric order of versions: 1.10 after 1.9, and 1 == 1.0 == 1.0.0 sort together."""
    parts = [int(part) for part in version.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


_version_sort_key = version_sort_key


def _check_id_free(con: duckdb.DuckDBPyConnection, dataset_id: str) -> None:
    """Refuse an id whose ``data.*`` views would be another dataset's (``a--b`` vs ``a-b``, case)."""
    mine = view_name(dataset_id, "x")
    for (other,) in con.execute("SELECT id FROM datasets WHERE id <> ?", [dataset_id]).fetchall():
        if view_name(str(other), "x") == mine:
            raise BadInput(
                f"dataset id {dataset_id!r} collides with the registered {other!r} (same data.* view names); "
                "choose another id"
            )


def register_version(
    con: duckdb.DuckDBPyConnection,
    manifest: DatasetManifest,
    published: VersionManifest,
    manifest_url: str,
    chunk_urls: dict[str, str],
    actor: str,
    source: str | None = None,
    etags: Mapping[str, str] | None = None,
) -> bool:
    """Make a published version visible, in one transaction. ``False`` when it was already registered.

    ``source`` (where the input was read: a folder or an ``s3://`` location) goes into the audit row;
    ``etags``: per chunk key, the ETag of the run's bytes that the stored object has (S3), for readers."""
    dataset_id, version = manifest.id, manifest.version
    splits = published.splits

    def work() -> bool:
        require(con, actor, "uploader", f"publish {dataset_id} {version}")
        _check_id_free(con, dataset_id)
        row = con.execute(
            "SELECT content_sha256 FROM versions WHERE dataset_id = ? AND version = ?", [dataset_id, version]
        ).fetchone()
        if row is not None:
            return False
        known = [
            r[0] for r in con.execute("SELECT version FROM versions WHERE dataset_id = ?", [dataset_id]).fetchall()
        ]
        newest = max([*known, version], key=version_sort_key)
        _upsert_dataset(con, manifest, newest == version, actor)
        quality = published.quality
        if quality is None:
            raise BadInput(f"{manifest_url}: the version manifest names no quality verdict; nothing registered")
        con.execute(
            "INSERT INTO versions (dataset_id, version, status, version_note, content_sha256, manifest_url, "
            "record_count, chunk_count, content_size, quality_verdict, quality_run_id, date_published, "
            "release_status, registered_at, uploaded_by) "
            "VALUES (?, ?, 'published', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                dataset_id,
                version,
                manifest.version_note,
                published.content_sha256,
                manifest_url,
                sum(s.rows for s in splits.values()),
                len(published.chunks),
                sum(s.bytes for s in splits.values()),
                quality.verdict,
                quality.run_id,
                manifest.release_date,
                manifest.release_status,
                now(),
                actor,
            ],
        )
        for split, info in sorted(splits.items()):
            con.execute(
                "INSERT INTO splits VALUES (?, ?, ?, ?, ?, ?)",
                [dataset_id, version, split, info.rows, info.chunks, info.bytes],
            )
        for chunk in published.chunks:
            url = chunk_urls[chunk.key]
            con.execute(
                "INSERT INTO chunks (dataset_id, version, split, key, content_url, record_count, content_size, "
                "sha256, source_archive, etag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    dataset_id,
                    version,
                    chunk.split,
                    chunk.key,
                    url,
                    chunk.rows,
                    chunk.bytes,
                    chunk.sha256,
                    chunk.source_archive,
                    (etags or {}).get(chunk.key),
                ],
            )
        con.execute("UPDATE datasets SET latest_version = ? WHERE id = ?", [newest, dataset_id])
        audit(
            con,
            actor,
            "publish",
            dataset_id,
            version,
            {
                "content_sha256": published.content_sha256,
                "manifest": manifest_url,
                "rows": {s: i.rows for s, i in splits.items()},
                "verdict": quality.verdict,
                **({"source": source} if source else {}),
            },
        )
        fault_point("register_tx")
        return True

    return transaction(con, work)


def record_quality_run(con: duckdb.DuckDBPyConnection, summary: QualitySummary, actor: str) -> None:
    """Store a quality run and its per-expectation results (idempotent per run id)."""

    def work() -> None:
        require(con, actor, "uploader", f"record the quality run of {summary.dataset_id} {summary.version}")
        exists = con.execute("SELECT 1 FROM quality_runs WHERE run_id = ?", [summary.run_id]).fetchone()
        if exists is None:
            con.execute(
                "INSERT INTO quality_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    summary.run_id,
                    summary.dataset_id,
                    summary.version,
                    summary.verdict,
                    summary.suite,
                    summary.gx_version,
                    summary.records_checked,
                    len(summary.critical_failed),
                    len(summary.warnings_failed),
                    summary.report,
                    summary.result_json,
                    summary.data_docs,
                    _now(),
                ],
            )
            for item in summary.items:
                con.execute(
                    "INSERT INTO quality_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        summary.run_id,
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
            _insert_pii_findings(con, summary)
            audit(
                con,
                actor,
                "quality_check",
                summary.dataset_id,
                summary.version,
                {
                    "run_id": summary.run_id,
                    "verdict": summary.verdict,
                    "critical_failed": summary.critical_failed,
                    "warnings_failed": summary.warnings_failed,
                },
            )

    transaction(con, work)


def _insert_pii_findings(con: duckdb.DuckDBPyConnection, summary: QualitySummary) -> None:
    """One ``pii_findings`` row per detector rule of the run (masked examples only; migration 0004)."""
    pii = summary.pii
    if not pii:
        return
    for finding in pii["rules"]:
        con.execute(
            "INSERT INTO pii_findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                summary.run_id,
                summary.dataset_id,
                summary.version,
                finding["rule"],
                finding["name_ko"],
                finding["name_en"],
                pii["policy"],
                finding["found"],
                finding["masked"],
                finding["records"],
                finding["examples"],
                json.dumps(finding["locations"], ensure_ascii=False, sort_keys=True),
                pii["detector_version"],
            ],
        )


def stored_record_schema(con: duckdb.DuckDBPyConnection, name: str) -> RecordSchema | None:
    """A record schema by name: built-in, or a mapped one as registered (``None``: unknown)."""
    if name in RECORD_SCHEMAS:
        return RECORD_SCHEMAS[name]
    import pyarrow as pa

    from schemas.records import schema_from_arrow

    row = con.execute("SELECT domain, id_column, arrow_schema FROM record_schemas WHERE name = ?", [name]).fetchone()
    if row is None:
        return None
    docs = {
        str(c): (str(ko), str(en))
        for c, ko, en in con.execute(
            "SELECT column_name, doc_ko, doc_en FROM column_docs WHERE record_schema = ?", [name]
        ).fetchall()
    }
    arrow = pa.ipc.read_schema(pa.py_buffer(bytes(row[2])))
    return schema_from_arrow(name, str(row[0]), str(row[1]), arrow, docs)
