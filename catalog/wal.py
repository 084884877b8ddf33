"""The alarm for a damaged catalog or write-ahead log (WAL), checked by every catalog writer (:mod:`catalog.db`).

DuckDB keeps committed transactions that are not checkpointed yet in ``catalog.duckdb.wal``; a writer
that is killed after COMMIT leaves that file behind, and the next open replays it. **When the WAL is
damaged, DuckDB 1.4 replays nothing, says nothing, and deletes the file at the next checkpoint**: the
transactions in it are gone without a word. So every catalog writer checks a leftover WAL first
(:func:`check_wal`): when it is not a well-formed DuckDB WAL, the writer stops with
:class:`CatalogDamaged`, tells DuckDB not to checkpoint on close, and leaves both files exactly as they
were. The same alarm covers a catalog file DuckDB refuses as corrupt (:func:`raise_if_damaged`).
Nothing here ever deletes a WAL or a catalog; the way back is a restore (:mod:`catalog.recovery`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from kcore.errors import KDataError

__all__ = ["CatalogDamaged", "check_wal", "raise_if_damaged", "wal_path", "wal_problem"]

_WAL_HEADER = b"\x64\x00\x62\x65\x00"
"""A DuckDB WAL starts with a serialized ``{100: wal_type=VERSION (98), 101: version}`` entry."""
_MAX_ENTRY = 1 << 30
_DAMAGE_WORDS = ("corrupt", "checksum", "not a valid duckdb", "replaying wal", "wal file", "write-ahead")


class CatalogDamaged(KDataError):
    """The catalog file or its WAL is damaged; nothing was changed or deleted (exit 1)."""


def wal_path(db_path: Path) -> Path:
    """``catalog.duckdb.wal`` beside ``catalog.duckdb``."""
    return db_path.with_name(db_path.name + ".wal")


def _alarm(db_path: Path, detail: str) -> str:
    wal = wal_path(db_path)
    return (
        f"카탈로그 손상 the catalog is damaged: {detail}. "
        f"kdata는 아무것도 지우지 않았습니다 nothing was deleted ({db_path}"
        + (f", {wal}" if wal.exists() else "")
        + "). 복구 recover: `kdata restore BACKUP` (the damaged files are kept aside), then rerun "
        "`kdata ingest` for versions published after the backup. See README 'Crash recovery'."
    )


def wal_problem(wal: Path) -> str | None:
    """Why a leftover WAL is not a well-formed DuckDB WAL, or ``None`` when it is (or is absent/empty).

    Checks the version header and the framing of every entry (8-byte size, 8-byte checksum, payload).
    A torn last entry (a writer killed while appending) is normal: DuckDB drops it, and it was never
    committed. Random bytes fail the header or give an impossible entry size.
    """
    try:
        data = wal.read_bytes()
    except FileNotFoundError:
        return None
    if not data:
        return None
    if len(data) < 8 or data[:5] != _WAL_HEADER or data[5] >= 0x80 or data[6:8] != b"\xff\xff":
        return f"{wal} does not start with a DuckDB WAL header"
    if data[5] < 2:  # WAL version 1 entries carry no size/checksum framing
        return None
    offset = 8
    while len(data) - offset >= 16:
        size = int.from_bytes(data[offset : offset + 8], "little")
        if size == 0 or size > _MAX_ENTRY:
            return f"{wal}: entry at byte {offset} has an impossible size ({size})"
        offset += 16 + size
    return None


def check_wal(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """Call right after a writer opened the catalog (it holds the lock, nothing written yet).

    A WAL present now is a leftover of a killed writer; DuckDB has replayed what it could. When the WAL
    is damaged, turn off DuckDB's checkpoint on close (which would delete it) and raise the alarm.
    """
    problem = wal_problem(wal_path(db_path))
    if problem is None:
        return
    con.execute("PRAGMA disable_checkpoint_on_shutdown")
    raise CatalogDamaged(_alarm(db_path, problem))


def raise_if_damaged(db_path: Path, error: duckdb.Error) -> None:
    """Raise :class:`CatalogDamaged` when DuckDB refused to open the catalog because it is damaged."""
    text = str(error).replace(str(wal_path(db_path)), "").replace(str(db_path), "").lower()  # not the path
    if any(word in text for word in _DAMAGE_WORDS):
        raise CatalogDamaged(_alarm(db_path, f"DuckDB: {str(error)[:300]}")) from None
