"""Catalog backups, restores, and the alarm for a damaged catalog or write-ahead log (WAL).

DuckDB keeps committed transactions that are not checkpointed yet in ``catalog.duckdb.wal``; a writer
that is killed after COMMIT leaves that file behind, and the next open replays it. **When the WAL is
damaged, DuckDB 1.4 replays nothing, says nothing, and deletes the file at the next checkpoint**: the
transactions in it are gone without a word. So every catalog writer checks a leftover WAL first
(:func:`check_wal`): when it is not a well-formed DuckDB WAL, the writer stops with
:class:`CatalogDamaged`, tells DuckDB not to checkpoint on close, and leaves both files exactly as they
were. The same alarm covers a catalog file DuckDB refuses as corrupt (:func:`raise_if_damaged`).
Nothing here ever deletes a WAL or a catalog.

Recovery (also in the README): ``kdata restore BACKUP`` puts a backup in place and keeps the damaged
``catalog.duckdb`` and its WAL aside under ``$KDATA_HOME/catalog-aside/<time>/``; versions published
after the backup are still in the store and a rerun of their ``kdata ingest`` registers them again. An
operator who has inspected the WAL and accepts losing its transactions may move it away by hand.

Backups (:func:`backup_catalog`) are checkpointed copies: a writer publishes a fresh snapshot
(checkpoint, then an atomic copy of the whole file), the snapshot is copied to the backup file and
the copy is opened and counted before it is reported.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from kcore.config import Settings
from kcore.errors import BadInput, KDataError, TransientError

__all__ = [
    "ASIDE_DIR",
    "CatalogDamaged",
    "backup_catalog",
    "check_wal",
    "ensure_not_in_use",
    "raise_if_damaged",
    "restore_catalog",
    "wal_path",
    "wal_problem",
]

ASIDE_DIR = "catalog-aside"
"""``$KDATA_HOME/catalog-aside/<time>/``: what a restore replaced (never deleted by kdata)."""

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


# -- backup and restore ----------------------------------------------------------------------------


def _describe(path: Path) -> dict[str, Any]:
    """Open a catalog file read-only and count what is in it; :class:`BadInput` when it is not one."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        raise BadInput(f"{path}: not a readable DuckDB catalog ({str(error)[:200]})") from None
    try:
        version = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
        datasets = con.execute("SELECT count(*) FROM datasets").fetchone()
        versions = con.execute("SELECT count(*) FROM versions").fetchone()
    except duckdb.Error:
        raise BadInput(f"{path}: not a K-Data catalog (no schema_migrations / datasets / versions)") from None
    finally:
        con.close()
    return {
        "schema_version": int(version[0]) if version else 0,
        "datasets": int(datasets[0]) if datasets else 0,
        "versions": int(versions[0]) if versions else 0,
    }


def _copy_synced(source: Path, target: Path) -> None:
    """Copy to a temporary name beside ``target``, fsync, then rename: ``target`` is whole or absent."""
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(source, temp)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _embedded_only(settings: Settings, command: str) -> None:
    """Backups and restores are of the embedded DuckDB file; the shared catalog is PostgreSQL's to back up."""
    if settings.catalog_url:
        raise BadInput(
            f"{command}: KDATA_CATALOG points at the shared PostgreSQL catalog; back it up with PostgreSQL's "
            "own tools (pg_dump / pg_restore) — 공유 카탈로그는 PostgreSQL 도구로 백업하세요"
        )


def backup_catalog(settings: Settings, out: Path) -> dict[str, Any]:
    """Write a checkpointed copy of the catalog to ``out`` (a new file) and verify it."""
    from catalog.db import connect, snapshot_path

    _embedded_only(settings, "kdata backup")
    out = out.expanduser().absolute()
    if out.exists():
        raise BadInput(f"{out}: already exists; give a new file name (a backup never overwrites)")
    if not settings.catalog_path.exists():
        raise BadInput(f"{settings.catalog_path}: no catalog to back up yet")
    out.parent.mkdir(parents=True, exist_ok=True)
    with connect(settings):  # a writer (waits for the lock): checkpoints and publishes a fresh snapshot
        pass
    _copy_synced(snapshot_path(settings), out)
    return {"backup": str(out), "bytes": out.stat().st_size, "sha256": _sha256(out), **_describe(out)}


@contextmanager
def _exclusive(db_path: Path) -> Iterator[None]:
    """Hold DuckDB's own kind of lock (POSIX ``fcntl``) on the catalog, so no writer opens it meanwhile.

    Never call this in a process that has the catalog open with DuckDB: closing any descriptor of the
    file drops that process's POSIX locks.
    """
    if not db_path.exists():
        yield
        return
    fd = os.open(db_path, os.O_RDWR)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise TransientError(
                f"{db_path}: 카탈로그 사용 중 the catalog is in use by another process (an ingest, Airflow "
                "task or catalog command); stop the writers and run kdata restore again. Nothing was changed."
            ) from None
        yield
    finally:
        os.close(fd)


def _set_aside(db_path: Path) -> list[str]:
    """Keep the current catalog (hard link) and move its WAL into ``catalog-aside/<time>/``."""
    if not db_path.exists():
        return []
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = db_path.parent / ASIDE_DIR / stamp
    aside.mkdir(parents=True)
    kept = aside / db_path.name
    try:
        os.link(db_path, kept)
    except OSError:
        shutil.copy2(db_path, kept)
    moved = [str(kept)]
    wal = wal_path(db_path)
    if wal.exists():  # moved, never deleted: it belongs to the old file, not to the restored one
        os.replace(wal, aside / wal.name)
        moved.append(str(aside / wal.name))
    return moved


def _check_restorable(source: Path) -> dict[str, Any]:
    from catalog.db import latest_migration

    if not source.is_file():
        raise BadInput(f"{source}: no such backup file")
    if wal_path(source).exists():
        raise BadInput(f"{wal_path(source)}: the backup has a WAL beside it; use a file made by kdata backup")
    info = _describe(source)
    if info["schema_version"] > latest_migration():
        raise BadInput(
            f"{source}: catalog schema {info['schema_version']} is newer than this kdata ({latest_migration()})"
        )
    return info


def ensure_not_in_use(db_path: Path) -> None:
    """Raise the "in use" refusal of :func:`restore_catalog` now, before anything waits for the catalog."""
    with _exclusive(db_path):
        pass


def restore_catalog(settings: Settings, source: Path) -> dict[str, Any]:
    """Replace the catalog by a backup; the replaced file and its WAL are kept aside, never deleted.

    Refused (nothing changed) when another process has the catalog open.
    """
    from catalog.db import connect

    _embedded_only(settings, "kdata restore")
    source = source.expanduser().absolute()
    info = _check_restorable(source)
    db_path = settings.catalog_path
    db_path.parent.mkdir(parents=True, exist_ok=True)
    staged = db_path.with_name(f".{db_path.name}.restore.{os.getpid()}")
    try:
        _copy_synced(source, staged)
        with _exclusive(db_path):
            kept = _set_aside(db_path)
            os.replace(staged, db_path)  # atomic: the name never points at nothing
    finally:
        staged.unlink(missing_ok=True)
    with connect(settings):  # migrates an older backup and republishes the readers' snapshot
        pass
    return {"restored_from": str(source), "catalog": str(db_path), "kept_aside": kept, **info}
