"""The append-only audit log (감사 기록): who did what, when and why.

Rows are only ever inserted (the CLI has no update or delete path and ``kdata sql`` is read-only).
Each row also carries ``row_sha256 = sha256(prev_sha256 + this row's content)``, a hash chain, so
an edit made behind the catalog's back (another DuckDB client writing the file) is detected by
:func:`verify_audit_log`: changing, deleting or reordering a row breaks every later link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

import duckdb

from catalog.literal import sql_literal

__all__ = ["audit", "now", "row_digest", "verify_audit_log"]


def now() -> dt.datetime:
    """The current UTC time without a zone (the catalog stores UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def row_digest(
    prev: str,
    seq: int,
    occurred_at: dt.datetime,
    actor: str,
    action: str,
    dataset_id: str | None,
    version: str | None,
    detail: str | None,
) -> str:
    """The chained hash of one audit row."""
    content = json.dumps([seq, occurred_at.isoformat(), actor, action, dataset_id, version, detail], ensure_ascii=False)
    return hashlib.sha256(f"{prev}\n{content}".encode()).hexdigest()


def audit(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    dataset_id: str | None,
    version: str | None,
    detail: dict[str, Any],
) -> None:
    """Append one row to the audit log (there is no update or delete path)."""
    row = con.execute("SELECT row_sha256 FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    prev = (row[0] or "") if row else ""
    seq_row = con.execute("SELECT nextval('audit_seq')").fetchone()
    assert seq_row is not None
    seq = int(seq_row[0])
    at = now()
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    digest = row_digest(prev, seq, at, actor, action, dataset_id, version, text)
    values = ", ".join(sql_literal(v) for v in (seq, at, actor, action, dataset_id, version, text, prev, digest))
    con.execute(  # values inlined, not bound: see catalog.literal (every CLI command writes an audit row)
        "INSERT INTO audit_log (seq, occurred_at, actor, action, dataset_id, version, detail, prev_sha256, row_sha256) "
        f"VALUES ({values})"
    )


def verify_audit_log(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Problems found in the hash chain (empty when intact). Rows written before the chain existed are skipped."""
    rows = con.execute(
        "SELECT seq, occurred_at, actor, action, dataset_id, version, CAST(detail AS VARCHAR), prev_sha256, row_sha256 "
        "FROM audit_log ORDER BY seq"
    ).fetchall()
    problems: list[str] = []
    prev: str | None = None
    for seq, at, actor, action, dataset_id, version, detail, stored_prev, stored in rows:
        if stored is None:
            if prev is not None:
                problems.append(f"audit row {seq}: no hash after the chain started")
            continue
        expected_prev = prev if prev is not None else ""  # the first chained row links to ""
        if stored_prev != expected_prev:
            problems.append(f"audit row {seq}: previous-hash link broken (a row before it was changed or removed)")
        if row_digest(expected_prev, seq, at, actor, action, dataset_id, version, detail) != stored:
            problems.append(f"audit row {seq}: content does not match its hash (the row was changed)")
        prev = stored
    return problems
