"""Catalog reads: search with facets, one dataset's page, and the report of a version.

Ranking is BM25 (k1 = 1.2, b = 0.75, the formula of DuckDB's FTS extension) computed in SQL over
``search_postings``, the per-dataset terms of :func:`catalog.korean_text.index_terms`; the query
goes through :func:`catalog.korean_text.query_terms`, so particles, spacing variants, stems and
one-syllable words match the way Korean users type. Each dataset holds a term once, so a term's
weight is its IDF scaled by the dataset's length. An exact dataset id ranks first.

A reader that searches the same catalog state a second time answers from the in-process index of
:mod:`catalog.search_index` instead (numpy over postings grouped by term and per-dataset facet codes),
with the same results, rows and facet counts as the SQL (``tests/catalog/test_search_index.py``).

Filters are facets: domain (id or Korean name), licence status, commercial use, data type, build
year range, release status. Withdrawn datasets (licence status or release status ``withdrawn``)
are hidden unless that status is asked for. Facet counts are disjunctive: the counts of one facet
apply every other filter but not its own, so they say how many results each choice would give.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args

import duckdb

from catalog import search_index
from catalog.license import STATUSES
from catalog.literal import sql_literal  # values inlined: see catalog.literal
from catalog.query_expansion import MIN_STANDIN_WEIGHT, QueryTerm, expand
from kcore.errors import BadInput
from schemas.choices import DataType, ReleaseStatus
from schemas.domains import DOMAINS, resolve_domain

if TYPE_CHECKING:  # numpy serves the in-process index only: a one-shot kdata search runs the SQL
    import numpy as np

__all__ = [
    "DATA_TYPE_LABELS",
    "FACETS",
    "LICENSE_STATUS_LABELS",
    "RELEASE_STATUS_LABELS",
    "SearchQuery",
    "facet_counts",
    "find",
    "latest_report",
    "search_page",
    "show",
    "sql_literal",
]

K1 = 1.2
B = 0.75
RANK_DIGITS = 9
"""Scores are ranked rounded to this many decimals: BM25 sums whose terms were added in another order
(another physical row order, e.g. the shared PostgreSQL catalog's, or the in-process index) differ in
the last bits; rounded, mathematically equal scores tie and are ordered by id on every backend."""
_PAGE_TABLE = "kdata_search_matched"  # search_page's temporary table (per connection)

FACETS: tuple[str, ...] = ("domain", "license_status", "commercial_use", "data_type", "build_year", "release_status")

LICENSE_STATUS_LABELS = {
    "pending_review": "검토 대기",
    "open": "공개",
    "approval_required": "승인 필요",
    "restricted": "제한",
    "withdrawn": "철회",
}
DATA_TYPE_LABELS = {"text": "텍스트", "image": "이미지", "audio": "음성", "video": "영상", "sensor": "센서"}
RELEASE_STATUS_LABELS = {"beta": "베타", "open": "개방", "withdrawn": "철회"}
_COMMERCIAL_LABELS = {"true": "상업적 이용 가능", "false": "상업적 이용 불가"}


@dataclass(frozen=True)
class SearchQuery:
    """What the user asked: free text and facet filters (``None`` = any)."""

    text: str | None = None
    domain: str | None = None
    license_status: str | None = None
    commercial: bool | None = None
    data_type: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    release_status: str | None = None
    limit: int = 20

    def validated(self) -> SearchQuery:
        """Check the values; :class:`BadInput` names the option and the valid choices."""
        _check_choice("--license-status", self.license_status, STATUSES)
        _check_choice("--type", self.data_type, get_args(DataType))
        _check_choice("--release-status", self.release_status, get_args(ReleaseStatus))
        if self.domain:
            try:
                resolve_domain(self.domain)
            except KeyError as error:
                raise BadInput(str(error.args[0])) from None
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise BadInput(f"--year-from {self.year_from} is after --year-to {self.year_to}")
        if self.limit < 1:
            raise BadInput(f"--limit {self.limit}: must be at least 1")
        return self


def _check_choice(option: str, value: str | None, choices: tuple[str, ...]) -> None:
    if value is not None and value not in choices:
        raise BadInput(f"{option} {value!r}: expected one of {', '.join(choices)}")


@dataclass
class _Filters:
    """SQL conditions on the ``matched`` rows, grouped by the facet they belong to."""

    clauses: dict[str, list[str]] = field(default_factory=dict)

    def add(self, facet: str, clause: str) -> None:
        self.clauses.setdefault(facet, []).append(clause)

    def where(self, skip: str | None = None) -> str:
        parts = ["TRUE"] + [c for facet, items in self.clauses.items() if facet != skip for c in items]
        return " AND ".join(parts)


def _filters(q: SearchQuery) -> _Filters:
    f, lit = _Filters(), sql_literal
    if q.domain:
        f.add("domain", f"domain = {lit(resolve_domain(q.domain).id)}")
    if q.license_status:
        f.add("license_status", f"license_status = {lit(q.license_status)}")
    else:
        f.add("license_status", "license_status <> 'withdrawn'")
    if q.commercial is not None:
        f.add("commercial_use", f"commercial_use = {lit(q.commercial)}")
    if q.data_type:
        f.add("data_type", f"data_type = {lit(q.data_type)}")
    if q.year_from is not None:
        f.add("build_year", f"build_year >= {lit(int(q.year_from))}")
    if q.year_to is not None:
        f.add("build_year", f"build_year <= {lit(int(q.year_to))}")
    if q.release_status:
        f.add("release_status", f"release_status = {lit(q.release_status)}")
    else:
        f.add("release_status", "release_status <> 'withdrawn'")
    return f


def _query(text: str | None) -> tuple[list[QueryTerm], str] | None:
    """(weighted search terms, the text as an exact id) of a query; ``([], "")`` for no text, None for text
    without terms."""
    if not text or not text.strip():
        return [], ""
    terms = expand(text)
    return (terms, text.strip().lower()) if terms else None


def _float(value: float) -> str:
    return f"{value!r}::DOUBLE"


def _matched_sql(text: str | None) -> str | None:
    """The ``WITH`` clause defining ``matched``: visible datasets with their BM25 score; None if text has no terms.

    A term's weight is ``weight * idf``; a stand-in's (초성, synonym, typo: :mod:`catalog.query_expansion`)
    IDF is capped by its origin word's, and a dataset counts only the best of a word and its stand-ins
    (``best``: one per origin), so stand-ins never outrank the word the user typed nor add up past it.
    """
    query = _query(text)
    if query is None:
        return None
    terms, exact = query
    # terms never contain whitespace or quotes (letters, digits, '_', jamo); still quoted like any literal.
    # ``hits`` scans the postings once (they are the bulk of the catalog: ~130 rows per dataset), with a
    # literal list: list_contains is a plain filter in the scan, where IN (...) became a hash join.
    looked_up = dict.fromkeys([t.term for t in terms] + [t.origin for t in terms if t.origin])
    listed = ", ".join(sql_literal(t) for t in looked_up)
    rows = ", ".join(
        f"({sql_literal(t.term)}, {_float(t.weight)}, {sql_literal(t.origin) if t.origin else 'NULL::VARCHAR'}, "
        f"{sql_literal(t.origin or t.term)})"
        for t in terms
    )
    qterms = (
        f"qterms(term, weight, origin, grp) AS (VALUES {rows})"
        if rows
        else "qterms AS (SELECT NULL::VARCHAR AS term, NULL::DOUBLE AS weight, NULL::VARCHAR AS origin, "
        "NULL::VARCHAR AS grp WHERE FALSE)"
    )
    exact_sql = sql_literal(exact)
    text_filter = f"AND (s.score IS NOT NULL OR d.id = {exact_sql})" if exact else ""
    hit = f"list_contains([{listed}], term)" if listed else "FALSE"
    idf = "ln((stats.n - {df} + 0.5) / ({df} + 0.5) + 1)"
    return f"""
        WITH {qterms},
        hits AS MATERIALIZED (SELECT dataset_id, term FROM search_postings WHERE {hit}),
        stats AS (SELECT count(*)::DOUBLE AS n, greatest(coalesce(avg(search_length), 1), 1)::DOUBLE AS avgdl
                  FROM datasets),
        df AS (SELECT term, count(*)::DOUBLE AS df FROM hits GROUP BY term),
        weights AS (
            SELECT * FROM (
                SELECT q.term, q.grp, q.weight, q.weight * CASE WHEN q.origin IS NULL THEN {idf.format(df="t.df")}
                    ELSE least({idf.format(df="t.df")}, {idf.format(df="coalesce(o.df, 0::DOUBLE)")}) END AS w
                FROM qterms q JOIN df t ON t.term = q.term LEFT JOIN df o ON o.term = q.origin CROSS JOIN stats)
            WHERE weight >= 1 OR w >= {MIN_STANDIN_WEIGHT!r}),
        best AS (
            SELECT h.dataset_id, max(w.w) AS w FROM hits h JOIN weights w ON w.term = h.term
            GROUP BY h.dataset_id, w.grp),
        scores AS (
            SELECT b.dataset_id,
                   sum(b.w * ({K1} + 1)
                       / (1 + {K1} * (1 - {B} + {B} * coalesce(d.search_length, 0) / stats.avgdl))) AS score
            FROM best b JOIN datasets d ON d.id = b.dataset_id CROSS JOIN stats GROUP BY b.dataset_id),
        matched AS MATERIALIZED (
            SELECT d.id, d.name_ko AS title, d.name_en AS title_en, d.domain, d.data_type, d.build_year,
                   coalesce(d.release_status, 'open') AS release_status, l.status AS license_status,
                   l.commercial_use, d.latest_version AS version, v.record_count AS rows, v.quality_verdict,
                   coalesce(s.score, 0) + CASE WHEN d.id = {exact_sql} THEN 100 ELSE 0 END AS score
            FROM datasets d JOIN licenses l ON l.dataset_id = d.id
            JOIN versions v ON v.dataset_id = d.id AND v.version = d.latest_version
            LEFT JOIN scores s ON s.dataset_id = d.id
            WHERE d.latest_version IS NOT NULL {text_filter})
    """


def _rows(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def find(con: duckdb.DuckDBPyConnection, query: SearchQuery) -> list[dict[str, Any]]:
    """The ranked results of a query (at most ``query.limit``)."""
    q = query.validated()
    index = search_index.index_for(con)
    if index is not None:
        matched = _index_matched(index, q.text)
        return [] if matched is None else _index_find(index, q, matched)
    with_sql = _matched_sql(q.text)
    return [] if with_sql is None else _find(con, q, with_sql)


def _find(con: duckdb.DuckDBPyConnection, q: SearchQuery, with_sql: str) -> list[dict[str, Any]]:
    sql = (
        f"{with_sql} SELECT * FROM matched WHERE {_filters(q).where()} "
        f"ORDER BY round(score, {RANK_DIGITS}) DESC, id LIMIT {int(q.limit)}"
    )
    rows = _rows(con.execute(sql))
    for row in rows:
        row["domain_ko"] = DOMAINS[row["domain"]].name_ko
        row["score"] = round(float(row["score"]), 4)
    return rows


def _facet_value(facet: str, value: str) -> tuple[Any, str]:
    if facet == "domain":
        return value, DOMAINS[value].name_ko
    if facet == "license_status":
        return value, LICENSE_STATUS_LABELS.get(value, value)
    if facet == "data_type":
        return value, DATA_TYPE_LABELS.get(value, value)
    if facet == "release_status":
        return value, RELEASE_STATUS_LABELS.get(value, value)
    if facet == "commercial_use":
        return value == "true", _COMMERCIAL_LABELS[value]
    return int(value), f"{value}년"


def facet_counts(con: duckdb.DuckDBPyConnection, query: SearchQuery) -> dict[str, Any]:
    """``{"total": N, "<facet>": [{"value", "label", "count"}, ...]}`` for the query (disjunctive counts)."""
    q = query.validated()
    index = search_index.index_for(con)
    if index is not None:
        return _index_facet_counts(index, q, _index_matched(index, q.text))
    with_sql = _matched_sql(q.text)
    return _facet_counts(con, q, with_sql)


def _facet_counts(con: duckdb.DuckDBPyConnection, q: SearchQuery, with_sql: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"total": 0, **{f: [] for f in FACETS}}
    if with_sql is None:
        return out
    filters = _filters(q)
    branches = [f"SELECT 'total' AS facet, NULL AS value, count(*) AS n FROM matched WHERE {filters.where()}"]
    for facet in FACETS:
        branches.append(
            f"SELECT '{facet}', lower(CAST({facet} AS VARCHAR)), count(*) FROM matched "
            f"WHERE {filters.where(skip=facet)} AND {facet} IS NOT NULL GROUP BY 2"
        )
    for facet, value, count in con.execute(f"{with_sql} {' UNION ALL '.join(branches)}").fetchall():
        if facet == "total":
            out["total"] = int(count)
            continue
        parsed, label = _facet_value(facet, value)
        out[facet].append({"value": parsed, "label": label, "count": int(count)})
    return _sorted_facets(out)


def search_page(con: duckdb.DuckDBPyConnection, query: SearchQuery) -> dict[str, Any]:
    """``{"results": [...], "facets": {...}}``: what ``kdata search --facets --json`` prints.

    The matched datasets are computed once, into a temporary table of this connection, and both the
    results and the facet counts read it (computing them twice was half the time of a search).
    """
    q = query.validated()
    index = search_index.index_for(con)
    if index is not None:
        matched = _index_matched(index, q.text)
        results = [] if matched is None else _index_find(index, q, matched)
        return {"results": results, "facets": _index_facet_counts(index, q, matched)}
    with_sql = _matched_sql(q.text)
    if with_sql is None:
        return {"results": [], "facets": _facet_counts(con, q, None)}
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_PAGE_TABLE} AS {with_sql} SELECT * FROM matched")
    try:
        shared = f"WITH matched AS (SELECT * FROM temp.main.{_PAGE_TABLE})"
        return {"results": _find(con, q, shared), "facets": _facet_counts(con, q, shared)}
    finally:
        con.execute(f"DROP TABLE IF EXISTS temp.main.{_PAGE_TABLE}")


# --- the same queries on the in-process index (catalog.search_index) ---------------------------------


def _index_matched(index: search_index.SearchIndex, text: str | None) -> tuple[np.ndarray, np.ndarray] | None:
    """``matched`` of :func:`_matched_sql` on the index: (mask over dataset positions, score); None if no terms."""
    query = _query(text)
    if query is None:
        return None
    terms, exact = query
    score, hit = index.scores([(t.term, t.weight, t.origin) for t in terms])
    mask = index.visible.copy()
    exact_pos = index.id_pos.get(exact) if exact else None
    if exact:
        hit = hit.copy()
        if exact_pos is not None:
            hit[exact_pos] = True
        mask &= hit
    if exact_pos is not None:
        score = score.copy()
        score[exact_pos] += 100
    return mask, score


def _index_masks(index: search_index.SearchIndex, q: SearchQuery) -> dict[str, np.ndarray]:
    """The filters of :func:`_filters` as boolean masks over dataset positions, per facet."""
    import numpy as np

    facets = index.facets
    size = index.size

    def equal(facet: str, value: Any) -> np.ndarray:
        code = facets[facet].code_of(value)
        return np.zeros(size, dtype=bool) if code is None else facets[facet].codes == code

    def not_withdrawn(facet: str) -> np.ndarray:
        code = facets[facet].code_of("withdrawn")
        nulls = facets[facet].codes == len(facets[facet].values)  # NULL <> 'withdrawn' is NULL: filtered out
        return ~nulls if code is None else ~nulls & (facets[facet].codes != code)

    masks: dict[str, np.ndarray] = {}
    if q.domain:
        masks["domain"] = equal("domain", resolve_domain(q.domain).id)
    masks["license_status"] = (
        equal("license_status", q.license_status) if q.license_status else not_withdrawn("license_status")
    )
    if q.commercial is not None:
        masks["commercial_use"] = equal("commercial_use", bool(q.commercial))
    if q.data_type:
        masks["data_type"] = equal("data_type", q.data_type)
    if q.year_from is not None or q.year_to is not None:
        years = facets["build_year"]
        lookup = np.array([False] * len(years.values) + [False])  # NULL: no year range holds
        for i, year in enumerate(years.values):
            low = q.year_from is None or year >= int(q.year_from)
            high = q.year_to is None or year <= int(q.year_to)
            lookup[i] = low and high
        masks["build_year"] = lookup[years.codes]
    masks["release_status"] = (
        equal("release_status", q.release_status) if q.release_status else not_withdrawn("release_status")
    )
    return masks


def _index_find(
    index: search_index.SearchIndex, q: SearchQuery, matched: tuple[np.ndarray, np.ndarray]
) -> list[dict[str, Any]]:
    import numpy as np

    mask, score = matched
    rank = np.round(score, RANK_DIGITS)  # as the SQL ranks: equal scores up to float noise tie, then id
    for facet_mask in _index_masks(index, q).values():
        mask = mask & facet_mask
    positions = np.flatnonzero(mask)
    limit = int(q.limit)
    if len(positions) > limit:  # keep the top ``limit`` scores and every tie of the last one
        found = rank[positions]
        cut = np.partition(found, len(found) - limit)[len(found) - limit]
        positions = positions[found >= cut]
    # score descending, then id: positions are in id order, so a stable sort keeps ties by id
    positions = positions[np.argsort(-rank[positions], kind="stable")][:limit]
    rows = index.rows(positions, score[positions])
    for row in rows:
        row["domain_ko"] = DOMAINS[row["domain"]].name_ko
        row["score"] = round(float(row["score"]), 4)
    return rows


def _index_facet_counts(
    index: search_index.SearchIndex, q: SearchQuery, matched: tuple[np.ndarray, np.ndarray] | None
) -> dict[str, Any]:
    import numpy as np

    out: dict[str, Any] = {"total": 0, **{f: [] for f in FACETS}}
    if matched is None:
        return out
    base = matched[0]
    masks = _index_masks(index, q)
    every = base
    for facet_mask in masks.values():
        every = every & facet_mask
    out["total"] = int(np.count_nonzero(every))
    for facet in FACETS:
        mask = base
        for other, facet_mask in masks.items():
            if other != facet:
                mask = mask & facet_mask
        column = index.facets[facet]
        counts = np.bincount(column.codes[mask], minlength=len(column.values) + 1)[: len(column.values)]
        by_label: dict[str, int] = {}
        for label, count in zip(column.labels, counts.tolist(), strict=True):
            if count:
                by_label[label] = by_label.get(label, 0) + int(count)
        for label, count in by_label.items():
            parsed, shown = _facet_value(facet, label)
            out[facet].append({"value": parsed, "label": shown, "count": count})
    return _sorted_facets(out)


def _license_history(con: duckdb.DuckDBPyConnection, dataset_id: str) -> list[dict[str, Any]]:
    rows = _rows(
        con.execute(
            "SELECT seq, occurred_at, actor, action, CAST(detail AS VARCHAR) AS detail FROM audit_log "
            "WHERE dataset_id = ? AND action LIKE 'license%' ORDER BY seq",  # approvals name users: count only
            [dataset_id],
        )
    )
    for row in rows:
        row["detail"] = json.loads(row["detail"]) if row["detail"] else {}
    return rows


def show(con: duckdb.DuckDBPyConnection, dataset_id: str) -> dict[str, Any] | None:
    """Everything a dataset page shows; ``None`` when the id is unknown."""
    found = _rows(
        con.execute("SELECT * EXCLUDE (search_terms, search_length) FROM datasets WHERE id = ?", [dataset_id])
    )
    if not found:
        return None
    page = found[0]
    page["domain_ko"] = DOMAINS[page["domain"]].name_ko
    license = _rows(con.execute("SELECT * EXCLUDE (dataset_id) FROM licenses WHERE dataset_id = ?", [dataset_id]))
    page["license"] = license[0] if license else None
    if page["license"]:
        page["license"]["status_ko"] = LICENSE_STATUS_LABELS.get(page["license"]["status"], "")
    page["license_history"] = _license_history(con, dataset_id)
    row = con.execute(
        "SELECT count(*) FROM approvals WHERE dataset_id = ? AND (valid_until IS NULL OR valid_until >= current_date)",
        [dataset_id],
    ).fetchone()
    page["approvals_current"] = int(row[0]) if row else 0
    page["versions"] = _versions(con, dataset_id)
    page["columns"] = _column_docs(con, page["record_schema"])
    page["quality"] = latest_report(con, dataset_id, page.get("latest_version"))
    return page


def _versions(con: duckdb.DuckDBPyConnection, dataset_id: str) -> list[dict[str, Any]]:
    versions = _rows(con.execute("SELECT * EXCLUDE (dataset_id) FROM versions WHERE dataset_id = ?", [dataset_id]))
    from catalog.register import version_sort_key

    versions.sort(key=lambda v: version_sort_key(v["version"]))
    for version in versions:
        version["splits"] = _rows(
            con.execute(
                "SELECT split, record_count, chunk_count, content_size FROM splits "
                "WHERE dataset_id = ? AND version = ? ORDER BY split",
                [dataset_id, version["version"]],
            )
        )
    return versions


def _column_docs(con: duckdb.DuckDBPyConnection, record_schema: str) -> list[dict[str, str]]:
    from schemas.records import get_record_schema

    try:
        return get_record_schema(record_schema).column_docs()
    except KeyError:  # a mapped schema: its docs as registered
        rows = con.execute(
            "SELECT column_name, type, doc_ko, doc_en FROM column_docs WHERE record_schema = ? ORDER BY position",
            [record_schema],
        ).fetchall()
        return [{"column": c, "type": t, "doc_ko": ko, "doc_en": en} for c, t, ko, en in rows]


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


def _sorted_facets(out: dict[str, Any]) -> dict[str, Any]:
    """Each facet's values in display order: build years newest first, the others by count, then value."""
    for facet in FACETS:
        if facet == "build_year":
            out[facet].sort(key=lambda item: -item["value"])
        else:
            out[facet].sort(key=lambda item: (-item["count"], str(item["value"])))
    return out
