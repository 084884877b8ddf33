"""An in-process search index over one state of the catalog: the same results as the SQL of
:mod:`catalog.search`, in a few milliseconds at 100,000 datasets.

The SQL search scans every row of ``search_postings`` (~130 per dataset) for each query and joins
every matched dataset with its licence and version. A long-lived reader (the web app, a benchmark)
instead loads, once per catalog state, what search needs into numpy arrays:

- the postings grouped by term (``offsets`` into ``postings``, dataset positions) and each term's
  document frequency (every posting counts, as in the SQL);
- per dataset, in id order: the BM25 length normalisation, whether search can show it (it has a
  latest version, a licence row and that version's row: the SQL's inner joins), the facet values
  as small integer codes, and the columns a result row shows.

BM25 is then a ``bincount`` over the query terms' postings, the filters are boolean masks over the
datasets, and each disjunctive facet count a ``bincount`` of codes under the other facets' masks.

A state of the catalog is named by the token a writer connection puts in ``catalog_generation``
(:func:`catalog.db.connect`): an index is reused while a connection reads the same token, whatever
file or DuckDB instance it opened. A process builds an index only when it searches the same state a
second time, so a one-shot ``kdata search`` keeps the plain SQL (building costs more than one query).
"""

from __future__ import annotations

import math
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb

from catalog.query_expansion import MIN_STANDIN_WEIGHT

if TYPE_CHECKING:  # numpy and pyarrow are imported where an index is built or searched: a one-shot
    import numpy as np  # ``kdata search`` runs the SQL and never pays for them
    import pyarrow as pa

__all__ = ["SearchIndex", "build_index", "catalog_token", "index_for", "reset", "set_enabled"]

K1 = 1.2
B = 0.75

# facet -> the column of the per-dataset table that holds its raw value
FACET_COLUMNS: tuple[str, ...] = (
    "domain",
    "license_status",
    "commercial_use",
    "data_type",
    "build_year",
    "release_status",
)
_SHOWN = ("id", "title", "title_en", "domain", "data_type", "build_year", "release_status", "license_status")
_SHOWN_REST = ("commercial_use", "version", "rows", "quality_verdict")

_DATASETS_SQL = """
    SELECT d.id, d.search_length, d.name_ko AS title, d.name_en AS title_en, d.domain, d.data_type, d.build_year,
           coalesce(d.release_status, 'open') AS release_status, l.status AS license_status, l.commercial_use,
           d.latest_version AS version, v.record_count AS rows, v.quality_verdict,
           (d.latest_version IS NOT NULL AND l.dataset_id IS NOT NULL AND v.dataset_id IS NOT NULL) AS visible
    FROM datasets d LEFT JOIN licenses l ON l.dataset_id = d.id
    LEFT JOIN versions v ON v.dataset_id = d.id AND v.version = d.latest_version
    ORDER BY d.id
"""
# One row per term: its df counts every posting (as the SQL's ``hits`` do), its list holds the
# positions (id order, as in _DATASETS_SQL) of the datasets it belongs to.
_POSTINGS_SQL = """
    WITH ids AS (SELECT id, (row_number() OVER (ORDER BY id) - 1)::INTEGER AS pos FROM datasets)
    SELECT p.term, count(*) AS df, coalesce(list(i.pos) FILTER (WHERE i.pos IS NOT NULL), []) AS positions
    FROM search_postings p LEFT JOIN ids i ON i.id = p.dataset_id GROUP BY p.term
"""


@dataclass(frozen=True)
class Facet:
    """One facet column as codes: ``codes[i]`` indexes ``values`` (raw values); NULL is ``len(values)``."""

    values: list[Any]
    codes: np.ndarray
    labels: list[str]  # lower(CAST(value AS VARCHAR)) of each raw value, what facet counts report

    def code_of(self, value: Any) -> int | None:
        for i, v in enumerate(self.values):
            if v == value and type(v) is type(value):
                return i
        return None


@dataclass(frozen=True)
class SearchIndex:
    """What search needs of one catalog state (see the module docstring)."""

    token: str
    n: float  # datasets (the BM25 N)
    avgdl: float
    term_slot: dict[str, int]
    df: np.ndarray  # float64 per term slot
    offsets: np.ndarray  # int64, len(terms) + 1
    postings: np.ndarray  # int32 dataset positions grouped by term slot
    denom: np.ndarray  # float64 per dataset: 1 + k1 * (1 - b + b * length / avgdl)
    visible: np.ndarray  # bool per dataset
    id_pos: dict[str, int]
    facets: dict[str, Facet]
    table: pa.Table  # the shown columns, one row per dataset position

    @property
    def size(self) -> int:
        return len(self.visible)

    def nbytes(self) -> int:
        """Approximate memory: the arrays, the table, and the term and id dicts with their keys."""
        arrays = [self.df, self.offsets, self.postings, self.denom, self.visible]
        arrays += [f.codes for f in self.facets.values()]
        dicts = sum(sys.getsizeof(d) + sum(sys.getsizeof(k) for k in d) for d in (self.term_slot, self.id_pos))
        return sum(a.nbytes for a in arrays) + self.table.nbytes + dicts

    def idf(self, term: str) -> float:
        """BM25 IDF of a term (every posting counts in its df; an unknown term has df 0)."""
        slot = self.term_slot.get(term)
        df = float(self.df[slot]) if slot is not None else 0.0
        return math.log((self.n - df + 0.5) / (df + 0.5) + 1)  # libm's log, as DuckDB's ln

    def scores(self, terms: list[tuple[str, float, str | None]]) -> tuple[np.ndarray, np.ndarray]:
        """BM25 score and hit mask per dataset position for the (distinct) query terms.

        Each term is ``(term, weight, origin)``: its weight scales its IDF, a stand-in's IDF is capped by
        its origin word's, and a dataset counts the best term of each origin group (a word and its
        stand-ins; :mod:`catalog.query_expansion`), as the SQL of :mod:`catalog.search` does.
        """
        import numpy as np

        groups: dict[str, list[tuple[np.ndarray, float]]] = {}
        for term, weight, origin in terms:
            slot = self.term_slot.get(term)
            if slot is None:
                continue
            idf = self.idf(term)
            if origin is not None:
                idf = min(idf, self.idf(origin))
            if weight < 1 and weight * idf < MIN_STANDIN_WEIGHT:
                continue  # a stand-in that adds nothing (catalog.query_expansion.MIN_STANDIN_WEIGHT)
            posting = self.postings[self.offsets[slot] : self.offsets[slot + 1]]
            groups.setdefault(origin or term, []).append((posting, weight * idf))
        parts, weights = [], []
        for members in groups.values():
            if len(members) == 1:
                posting, w = members[0]
                parts.append(posting)
                weights.append(w * (K1 + 1) / self.denom[posting])
                continue
            best = np.zeros(self.size)
            for posting, w in members:
                best[posting] = np.maximum(best[posting], w)
            where = np.flatnonzero(best)
            parts.append(where)
            weights.append(best[where] * (K1 + 1) / self.denom[where])
        if not parts:
            return np.zeros(self.size), np.zeros(self.size, dtype=bool)
        where = np.concatenate(parts)
        score = np.bincount(where, weights=np.concatenate(weights), minlength=self.size)
        hit = np.zeros(self.size, dtype=bool)
        hit[where] = True
        return score, hit

    def rows(self, positions: np.ndarray, scores: np.ndarray) -> list[dict[str, Any]]:
        """Result rows (the columns of the SQL's ``matched``) of some dataset positions."""
        out = []
        for position, score in zip(positions.tolist(), scores.tolist(), strict=True):
            out.append({**self.table.slice(position, 1).to_pylist()[0], "score": score})
        return out


def catalog_token(con: duckdb.DuckDBPyConnection) -> str | None:
    """The catalog state a read-only connection sees; None for a writer or a catalog without a token."""
    # Whether the default database (the catalog) is attached read-only: a reader of the snapshot, of the
    # live file or of the shared PostgreSQL catalog. Asked first, so a writer (perhaps inside a
    # transaction) never runs a query that could fail and abort it.
    mode = con.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if not mode or not mode[0]:
        return None
    try:
        row = con.execute("SELECT min(token) FROM catalog_generation").fetchone()
    except duckdb.CatalogException:  # a catalog from before migration 0007
        return None
    return None if not row or row[0] is None else str(row[0])


def _split(raw: Any) -> tuple[np.ndarray, np.ndarray]:
    """(values, null mask) of a ``fetchnumpy`` column (a masked array when it holds NULLs)."""
    import numpy as np

    return np.ma.getdata(raw), np.ma.getmaskarray(raw)


def _primitive(array: pa.Array, dtype: type[np.generic]) -> np.ndarray:
    """A numpy view of a null-free fixed-width Arrow array (``to_numpy`` would import pandas)."""
    import numpy as np

    if array.null_count:
        raise ValueError("unexpected NULLs in a search index column")
    size = np.dtype(dtype).itemsize
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * size)


def _facet(raw: Any, name: str) -> Facet:
    import numpy as np

    data, nulls = _split(raw)
    values, inverse = np.unique(data[~nulls], return_inverse=True)
    codes = np.full(len(data), len(values), dtype=np.int32)
    codes[~nulls] = inverse
    listed = values.tolist()
    labels = (
        ["true" if v else "false" for v in listed] if name == "commercial_use" else [str(v).lower() for v in listed]
    )
    return Facet(listed, codes, labels)


def build_index(con: duckdb.DuckDBPyConnection, token: str) -> SearchIndex:
    """Load one catalog state into a :class:`SearchIndex` (reads the whole catalog once).

    Through ``fetchnumpy`` and Arrow buffers only: pyarrow's numpy conversions import pandas.
    """
    import numpy as np
    import pyarrow as pa

    datasets = con.execute(_DATASETS_SQL).fetchnumpy()
    size = len(datasets["id"])
    lengths, no_length = _split(datasets["search_length"])
    known = lengths[~no_length].astype(np.float64)
    avgdl = max(float(np.mean(known)) if len(known) else 1.0, 1.0)  # greatest(coalesce(avg(...), 1), 1)
    length = np.where(no_length, 0.0, lengths.astype(np.float64))
    denom = 1 + K1 * (1 - B + B * length / avgdl)
    terms = con.execute(_POSTINGS_SQL).fetch_arrow_table()
    df = _primitive(terms.column("df").combine_chunks(), np.int64).astype(np.float64)
    lists = terms.column("positions").combine_chunks()
    offset_type = np.int64 if pa.types.is_large_list(lists.type) else np.int32
    offsets = _primitive(lists.offsets, offset_type).astype(np.int64)
    postings = _primitive(lists.values, np.int32)
    visible, _ = _split(datasets["visible"])
    shown = ", ".join(_SHOWN + _SHOWN_REST)
    return SearchIndex(
        token=token,
        n=float(size),
        avgdl=avgdl,
        term_slot={t: i for i, t in enumerate(terms.column("term").to_pylist())},
        df=df,
        offsets=offsets,
        postings=postings,
        denom=denom,
        visible=visible.astype(bool),
        id_pos={d: i for i, d in enumerate(datasets["id"].tolist())},
        facets={name: _facet(datasets[name], name) for name in FACET_COLUMNS},
        table=con.execute(f"SELECT {shown} FROM ({_DATASETS_SQL})").fetch_arrow_table(),
    )


_lock = threading.Lock()
_current: SearchIndex | None = None
_seen: str | None = None  # the last token searched without an index (built on its second search)
_enabled = True


def index_for(con: duckdb.DuckDBPyConnection) -> SearchIndex | None:
    """The index of the catalog state ``con`` reads, building it on that state's second search; else None.

    None (use the SQL) for a writer connection, a catalog without a token, the first search of a
    state, or while another thread builds it.
    """
    global _current, _seen
    if not _enabled:
        return None
    token = catalog_token(con)
    if token is None:
        return None
    current = _current
    if current is not None and current.token == token:
        return current
    if _seen != token:
        _seen = token
        return None
    if not _lock.acquire(blocking=False):
        return None
    try:
        if _current is None or _current.token != token:
            _current = None  # drop the old one before building the new one (memory)
            _current = build_index(con, token)
        return _current
    finally:
        _lock.release()


def reset() -> None:
    """Forget the index (tests)."""
    global _current, _seen
    with _lock:
        _current, _seen = None, None


def set_enabled(enabled: bool) -> bool:
    """Turn the index on or off for this process (off: every search runs the SQL); returns the old setting."""
    global _enabled
    old, _enabled = _enabled, enabled
    if not enabled:
        reset()
    return old
