"""Catalog backups and restores: the answer to the alarm for a damaged catalog or write-ahead log
(:mod:`catalog.wal`, which every writer checks when it opens the catalog).

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

from catalog.db import connect, latest_migration, snapshot_path
from catalog.wal import wal_path
from kcore.config import Settings
from kcore.errors import BadInput, TransientError

__all__ = ["ASIDE_DIR", "backup_catalog", "ensure_not_in_use", "restore_catalog"]

ASIDE_DIR = "catalog-aside"
"""``$KDATA_HOME/catalog-aside/<time>/``: what a restore replaced (never deleted by kdata)."""


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
