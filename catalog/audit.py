"""The append-only audit log (감사 기록): who did what, when and why; keyed and anchored.

Rows are only ever inserted (no update or delete path; ``kdata sql`` is read-only). Each row carries
``row_sha256 = HMAC-SHA256(key, prev_sha256 + this row's content)``: a hash chain keyed with the
deployment's audit key (:func:`audit_key`: ``KDATA_AUDIT_KEY``, from the settings the connection was opened
with (:mod:`catalog.bound`), or a key file outside the catalog).
Someone who can write the catalog file but does not hold the key cannot edit, delete, reorder or
null a row and recompute the chain. The newest link is also written to the store with each catalog
write (the *anchor*, ``_catalog/audit-head.json``, itself keyed), so deleting the tail of the log shows.
:func:`verify_audit_log` (``kdata audit verify``) checks both and names the first bad row.

Rows written before the chain was keyed (``chain`` NULL) keep plain SHA-256 links and are checked
that way; a plain row after a keyed one is an error.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from catalog.backend import CATALOG_DATABASE, is_postgres, pushed_down
from catalog.bound import audit_key_setting
from catalog.literal import sql_literal
from kcore.errors import BadInput
from storage.layout import CATALOG_PREFIX

__all__ = [
    "ANCHOR_KEY",
    "AUDIT_KEY_ENV",
    "audit",
    "audit_head",
    "audit_key",
    "next_audit_seq",
    "now",
    "read_anchor",
    "row_digest",
    "verify_audit_log",
    "write_anchor",
]

AUDIT_KEY_ENV = "KDATA_AUDIT_KEY"
KEYED = "hmac-sha256"
ANCHOR_KEY = f"{CATALOG_PREFIX}/audit-head.json"
"""Where in the store the newest audit link is kept."""


def now() -> dt.datetime:
    """The current UTC time without a zone (the catalog stores UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _default_key_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "kdata" / "audit.key"


@functools.cache
def _key_from(env_value: str, key_file: str) -> bytes:
    if env_value.startswith("file:"):
        path = Path(env_value[5:]).expanduser()
        try:
            key = path.read_bytes().strip()
        except OSError as error:
            raise BadInput(
                f"KDATA_AUDIT_KEY=file:{path}: 감사 키를 읽을 수 없습니다 (cannot read the audit key: "
                f"{error.strerror or error}); point it at the key file, or unset it for ~/.config/kdata/audit.key"
            ) from None
        if not key:
            raise BadInput(f"KDATA_AUDIT_KEY=file:{path}: the file holds no key (an empty key signs nothing)")
        return key
    if env_value:
        return env_value.encode("utf-8")
    path = Path(key_file)
    if not path.exists():  # first use on this host: a new random key, readable by this user only
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as handle:
            handle.write(secrets.token_hex(32).encode())
        os.chmod(handle.name, 0o600)
        try:
            os.link(handle.name, path)  # never replaces a key another process wrote meanwhile
        except FileExistsError:
            pass
        finally:
            os.unlink(handle.name)
    return path.read_bytes().strip()


def audit_key(configured: str = "") -> bytes:
    """The audit key: ``configured`` (``Settings.audit_key``, ``KDATA_AUDIT_KEY``: the key, or ``file:/path``),
    else ``~/.config/kdata/audit.key`` (created on first use, mode 600). Keep it outside ``KDATA_HOME``: whoever
    holds it can rewrite history."""
    return _key_from(configured, str(_default_key_file()))


def _key_of(con: duckdb.DuckDBPyConnection) -> bytes:
    """The audit key of the deployment whose settings ``con`` was opened with."""
    return audit_key(audit_key_setting(con))


def _content(
    seq: int,
    occurred_at: dt.datetime,
    actor: str,
    action: str,
    dataset_id: str | None,
    version: str | None,
    detail: str | None,
) -> str:
    return json.dumps([seq, occurred_at.isoformat(), actor, action, dataset_id, version, detail], ensure_ascii=False)


def row_digest(
    prev: str,
    seq: int,
    occurred_at: dt.datetime,
    actor: str,
    action: str,
    dataset_id: str | None,
    version: str | None,
    detail: str | None,
    key: bytes | None = None,
) -> str:
    """The chained hash of one audit row: keyed (HMAC-SHA256) when ``key`` is given, else plain SHA-256."""
    message = f"{prev}\n{_content(seq, occurred_at, actor, action, dataset_id, version, detail)}".encode()
    if key is None:
        return hashlib.sha256(message).hexdigest()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def audit_head(con: duckdb.DuckDBPyConnection) -> str:
    """The newest audit row's link (``""`` for an empty log); every download adds a row, so pushed down."""
    row = pushed_down(con, "SELECT row_sha256 FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    return str(row[0] or "") if row else ""


def next_audit_seq(con: duckdb.DuckDBPyConnection) -> int:
    """The next audit row number (``audit_seq``): DuckDB's sequence, or PostgreSQL's through the extension."""
    if is_postgres(con):
        query = f"SELECT * FROM postgres_query({sql_literal(CATALOG_DATABASE)}, 'SELECT nextval(''audit_seq'')')"
    else:
        query = "SELECT nextval('audit_seq')"
    row = con.execute(query).fetchone()
    assert row is not None
    return int(row[0])


def audit(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    dataset_id: str | None,
    version: str | None,
    detail: dict[str, Any],
) -> None:
    """Append one row to the audit log (there is no update or delete path)."""
    prev = audit_head(con)
    seq = next_audit_seq(con)  # after the head: a row linked to a committed row always has a higher seq
    at = now()
    text = json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str)
    digest = row_digest(prev, seq, at, actor, action, dataset_id, version, text, _key_of(con))
    values = ", ".join(sql_literal(v) for v in (seq, at, actor, action, dataset_id, version, text, prev, digest, KEYED))
    con.execute(  # values inlined, not bound: see catalog.literal (every CLI command writes an audit row)
        "INSERT INTO audit_log (seq, occurred_at, actor, action, dataset_id, version, detail, prev_sha256, "
        f"row_sha256, chain) VALUES ({values})"
    )


def _head(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    row = pushed_down(con, "SELECT seq, row_sha256 FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    count = pushed_down(con, "SELECT count(*) FROM audit_log").fetchone()
    return {
        "seq": int(row[0]) if row else 0,
        "row_sha256": row[1] if row else "",
        "rows": int(count[0] if count else 0),
    }


def _anchor_mac(head: dict[str, Any], key: bytes) -> str:
    text = json.dumps({k: head[k] for k in ("seq", "row_sha256", "rows")}, sort_keys=True)
    return hmac.new(key, f"kdata-audit-anchor\n{text}".encode(), hashlib.sha256).hexdigest()


def write_anchor(con: duckdb.DuckDBPyConnection, store_location: str) -> dict[str, Any]:
    """Write the newest audit link to the store (called with each snapshot a writer publishes)."""
    from storage.stores import open_store

    head = _head(con)
    document = {"format": "kdata.audit-anchor/1", **head, "mac": _anchor_mac(head, _key_of(con))}
    store = open_store(store_location)
    with tempfile.TemporaryDirectory(prefix="kdata-anchor-") as folder:
        path = Path(folder) / "audit-head.json"
        path.write_text(json.dumps(document, sort_keys=True) + "\n", encoding="utf-8")
        store.put_file(path, ANCHOR_KEY)
    return document


def read_anchor(store_location: str) -> dict[str, Any] | None:
    """The anchor in the store, or ``None`` when there is none yet."""
    from storage.stores import open_store

    raw = open_store(store_location).get_bytes(ANCHOR_KEY)
    if raw is None:
        return None
    document: dict[str, Any] = json.loads(raw)
    return document


def verify_audit_log(con: duckdb.DuckDBPyConnection, anchor: dict[str, Any] | None = None) -> list[str]:
    """Problems found in the chain (empty when intact), first bad row first; with ``anchor`` (the store's,
    :func:`read_anchor`), also a log that lost rows after the anchored head."""
    rows = con.execute(
        "SELECT seq, occurred_at, actor, action, dataset_id, version, CAST(detail AS VARCHAR), prev_sha256, "
        "row_sha256, chain FROM audit_log ORDER BY seq"
    ).fetchall()
    key = _key_of(con)
    problems: list[str] = []
    prev: str | None = None
    keyed_seen = False
    by_seq: dict[int, str] = {}
    for seq, at, actor, action, dataset_id, version, detail, stored_prev, stored, chain in rows:
        by_seq[int(seq)] = stored
        if stored is None:
            if prev is not None:
                problems.append(f"audit row {seq}: no hash after the chain started (nulled?)")
            continue
        if chain == KEYED:
            keyed_seen = True
        elif keyed_seen:
            problems.append(f"audit row {seq}: an unkeyed link after keyed ones (the row was rewritten)")
        expected_prev = prev if prev is not None else ""  # the first chained row links to ""
        if stored_prev != expected_prev:
            problems.append(f"audit row {seq}: previous-hash link broken (a row before it was changed or removed)")
        row_key = key if chain == KEYED else None
        if row_digest(expected_prev, seq, at, actor, action, dataset_id, version, detail, row_key) != stored:
            problems.append(f"audit row {seq}: content does not match its hash (the row was changed)")
        prev = stored
    if anchor is not None:
        problems.extend(_anchor_problems(anchor, by_seq, len(rows), key))
    return problems


def _anchor_problems(anchor: dict[str, Any], by_seq: dict[int, str], count: int, key: bytes) -> list[str]:
    head = {"seq": anchor.get("seq"), "row_sha256": anchor.get("row_sha256"), "rows": anchor.get("rows")}
    if not hmac.compare_digest(str(anchor.get("mac", "")), _anchor_mac(head, key)):
        return [f"the store's audit anchor ({ANCHOR_KEY}) is not signed with this deployment's audit key"]
    seq = int(anchor.get("seq") or 0)
    if seq and by_seq.get(seq) != anchor.get("row_sha256"):
        last = max(by_seq, default=0)
        if seq > last:
            return [f"audit row {last + 1}: missing — the store's anchor names row {seq}, the log ends at {last}"]
        return [f"audit row {seq}: does not match the store's anchor (rewritten?)"]
    if count < int(anchor.get("rows") or 0):
        return [f"the log holds {count} rows, the store's anchor {anchor.get('rows')}: rows were removed"]
    return []
