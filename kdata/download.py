"""Split and selective downloads (분할·선택 제공) that never hand a user a broken file.

Three modes, all behind the licence check (:func:`catalog.access.check_download`) and all written to
the audit log (who, what, when, bytes):

- **whole chunks** (default): the chunks of a version, optionally one split and a chunk range, land as
  ``<out>/<dataset>/<version>/<split>/<chunk>.parquet`` beside the version's ``manifest.json``. Each
  file is written as ``*.part``, resumed from its current length (an HTTP Range request on S3) when a
  previous download was interrupted, and only renamed once size, sha256 and Parquet footer match the
  manifest. An existing file that does not match is fetched again.
- **selective** (``columns`` and/or ``where``): DuckDB reads the published Parquet (httpfs on S3) with the
  projection and filter pushed down, so only the needed columns and row groups travel; the subset is
  written as ``<out>/<dataset>/<version>/subset-<hash>/<split>.parquet`` with a ``selection.json`` saying
  what was selected from which version. ``where`` must be one expression: no ``;``, no subqueries, no
  file-reading functions, and it runs in a DuckDB connection that may open only the chosen chunks.
- **URLs** (``urls``): time-limited presigned GET URLs on S3, file paths on a local store. URLs carry a
  signature: they are returned to the caller and never logged, audited or stored.

Readers trust only the version manifest in the store; its content hash must equal the catalog's.

An application use case, so it lives in ``kdata`` (see ARCHITECTURE.md): it joins the catalog's licence check
and audit log to the store's transport, and ``storage`` may not import ``catalog``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from ingest.chunks import parquet_options, sha256_file
from kcore.atomic import atomic_path, write_atomic
from kcore.config import Settings
from kcore.errors import BadInput, KDataError, NotAllowed, TransientError
from schemas.contracts import ChunkEntry, FileEntry, Selection, SelectionSplit, SourceChunk, VersionManifest
from storage.base import MissingObject, ObjectStore
from storage.layout import VERSION_MANIFEST, version_prefix
from storage.stores import open_store
from storage.verify import ChunkRef, Damaged, check_chunks, verified_memo
from storage.zone_maps import may_match

__all__ = [
    "DownloadRequest",
    "download",
    "parse_chunk_range",
    "parse_where",
    "select_chunks",
    "validate_columns",
    "validate_where",
]

_SUBSET_TABLE = "__kdata_subset"
_RESUME_ATTEMPTS = 4


@dataclass(frozen=True)
class DownloadRequest:
    """What a user asked for (``kdata download`` options)."""

    dataset_id: str
    out: Path
    version: str | None = None
    split: str | None = None
    chunks: str | None = None
    columns: list[str] | None = None
    where: str | None = None
    urls: bool = False
    expires: int = 3600

    @property
    def selective(self) -> bool:
        return bool(self.columns) or self.where is not None


@dataclass
class _Stats:
    transferred: int = 0
    skipped: int = 0
    resumed: int = 0
    refetched: int = 0
    files: list[str] = field(default_factory=list)


# -- request validation ----------------------------------------------------------------------------


def parse_chunk_range(text: str) -> tuple[int, int]:
    """``"3"`` → (3, 3); ``"2-5"`` → (2, 5): chunk numbers within the split, 0-based, inclusive."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
    if not match:
        raise BadInput(f"--chunks {text!r}: expected A-B or A (chunk numbers within the split, from 0)")
    first = int(match.group(1))
    last = int(match.group(2)) if match.group(2) is not None else first
    if last < first:
        raise BadInput(f"--chunks {text!r}: the range is empty ({last} < {first})")
    return first, last


_SAFE_PART = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.=-]{0,199}$")


def safe_key(key: object, where: str) -> str:
    """A chunk key from a version manifest (untrusted store input): relative, ``/``-separated parts of
    letters, digits and ``_.=-``, no ``..``; anything else is refused before a path is built from it."""
    parts = key.split("/") if isinstance(key, str) else []
    if not parts or len(parts) > 8 or not all(_SAFE_PART.match(p) and p.strip(".") for p in parts):
        raise KDataError(f"{where}: chunk key {key!r} is not a safe relative path; the store's manifest is damaged")
    return str(key)


def check_manifest_chunks(manifest: VersionManifest, catalog_chunks: dict[str, str], where: str) -> None:
    """The store's manifest must list exactly the chunks the catalog registered (keys and sha256)."""
    listed = {safe_key(c.key, where): c.sha256 for c in manifest.chunks}
    for chunk in manifest.chunks:
        safe_key(chunk.split, where)
    if listed != catalog_chunks:
        raise KDataError(
            f"{where}: the store's manifest lists other chunks than the catalog registered for this version; "
            "nothing was downloaded (run `kdata fsck`)"
        )


def select_chunks(manifest: VersionManifest, split: str | None, chunk_range: str | None) -> list[ChunkEntry]:
    """The manifest's chunks of ``split`` (all splits when ``None``), restricted to ``chunk_range``."""
    splits = sorted(manifest.splits)
    if split is not None and split not in manifest.splits:
        raise BadInput(f"--split {split!r}: version {manifest.version} has splits {', '.join(splits)}")
    if chunk_range is not None and split is None:
        raise BadInput("--chunks needs --split: chunk numbers count within one split")
    chunks = sorted((c for c in manifest.chunks if split in (None, c.split)), key=lambda c: c.key)
    if chunk_range is None:
        return chunks
    first, last = parse_chunk_range(chunk_range)
    if last >= len(chunks):
        raise BadInput(f"--chunks {chunk_range}: split {split!r} has chunks 0-{len(chunks) - 1}")
    return chunks[first : last + 1]


def _ast_problem(node: Any) -> str | None:
    """Why a parsed ``--where`` expression is refused, walking DuckDB's serialized syntax tree."""
    if isinstance(node, list):
        return next((p for p in map(_ast_problem, node) if p), None)
    if not isinstance(node, dict):
        return None
    if node.get("class") == "SUBQUERY" or node.get("type") in ("SUBQUERY", "TABLE_FUNCTION"):
        return "subqueries are not allowed (하위 질의 불가)"
    if node.get("class") == "FUNCTION":
        from catalog.sql import DENIED_FUNCTIONS  # one list for kdata sql and --where

        name = str(node.get("function_name", "")).lower()
        if name.startswith(DENIED_FUNCTIONS):
            return f"function {name}() is not allowed (파일·설정 접근 함수 불가)"
    return next((p for p in map(_ast_problem, node.values()) if p), None)


def _select_shape_ok(statement: dict[str, Any]) -> bool:
    node = statement.get("node", {})
    source = node.get("from_table") or {}
    return bool(
        node.get("type") == "SELECT_NODE"
        and source.get("type") == "BASE_TABLE"
        and source.get("table_name") == _SUBSET_TABLE
        and not node.get("modifiers")
        and not node.get("cte_map", {}).get("map")
        and not node.get("group_expressions")
        and node.get("having") is None
        and node.get("qualify") is None
        and node.get("sample") is None
        and [e.get("class") for e in node.get("select_list", [])] == ["STAR"]
        and node.get("where_clause") is not None
    )


def validate_where(expr: str) -> str:
    """Accept one SQL expression (``dialogue_id < 'KSNS_00000100' AND topic = '여행'``), refuse the rest."""
    return parse_where(expr)[0]


def parse_where(expr: str) -> tuple[str, dict[str, Any]]:
    """:func:`validate_where`, also returning the expression's syntax tree (DuckDB's serialized form)."""
    text = expr.strip()
    if not text:
        raise BadInput("--where: empty expression")
    if ";" in text:
        raise BadInput("--where: one expression only, ';' is not allowed (식 하나만 허용)")
    con = duckdb.connect(":memory:", config={"enable_external_access": False})
    try:
        row = con.execute("SELECT json_serialize_sql(?)", [f"SELECT * FROM {_SUBSET_TABLE} WHERE {text}"]).fetchone()
    finally:
        con.close()
    parsed: dict[str, Any] = json.loads(row[0]) if row else {"error": True, "error_message": "no result"}
    if parsed.get("error"):
        raise BadInput(f"--where {text!r}: not a valid SQL expression: {parsed.get('error_message', '')}")
    statements: list[dict[str, Any]] = parsed.get("statements", [])
    if len(statements) != 1 or not _select_shape_ok(statements[0]):
        raise BadInput(f"--where {text!r}: must be a single filter expression, not a query (식만 허용)")
    tree: dict[str, Any] = statements[0]["node"]["where_clause"]
    problem = _ast_problem(tree)
    if problem:
        raise BadInput(f"--where {text!r}: {problem}")
    return text, tree


def validate_columns(columns: list[str], available: list[str]) -> list[str]:
    """The requested columns, in order, each present in the data; :class:`BadInput` names the unknown one."""
    chosen: list[str] = []
    for name in (c.strip() for c in columns):
        if not name:
            continue
        if name not in available:
            raise BadInput(f"--columns: unknown column {name!r}; the data has {', '.join(available)}")
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise BadInput("--columns: no column named")
    return chosen


# -- catalog side ----------------------------------------------------------------------------------


def _resolve_version(con: duckdb.DuckDBPyConnection, dataset_id: str, version: str | None) -> tuple[str, str]:
    """The requested (or latest) published version and its content hash, from the catalog.

    Values are inlined, not bound (see :mod:`catalog.literal`): a bound parameter imports pandas.
    """
    from catalog.literal import sql_literal

    dataset = sql_literal(dataset_id)
    if version is None:
        row = con.execute(f"SELECT latest_version FROM datasets WHERE id = {dataset}").fetchone()
        if row is None or row[0] is None:
            raise BadInput(f"{dataset_id}: no published version")
        version = str(row[0])
    found = con.execute(
        f"SELECT content_sha256 FROM versions WHERE dataset_id = {dataset} AND version = {sql_literal(version)} "
        "AND status = 'published'"
    ).fetchone()
    if found is None:
        known = [r[0] for r in con.execute(f"SELECT version FROM versions WHERE dataset_id = {dataset}").fetchall()]
        raise BadInput(f"{dataset_id}: no published version {version!r} (published: {', '.join(sorted(known))})")
    return version, str(found[0])


def _audit(settings: Settings, dataset_id: str, version: str | None, detail: dict[str, Any]) -> None:
    from catalog.db import connect, transaction
    from catalog.register import audit

    with connect(settings, changes_search=False) as con:  # the audit log only: search indexes stay
        transaction(con, lambda: audit(con, settings.user, "download", dataset_id, version, detail))


# -- whole chunks ----------------------------------------------------------------------------------


def _intact(path: Path, chunk: ChunkEntry) -> bool:
    if not path.is_file() or path.stat().st_size != chunk.bytes or sha256_file(path) != chunk.sha256:
        return False
    return _footer_ok(path, chunk)


def _footer_ok(path: Path, chunk: ChunkEntry) -> bool:
    try:
        return int(pq.read_metadata(path).num_rows) == chunk.rows
    except (pa.ArrowException, OSError):
        return False


def _hash_of(path: Path) -> Any:
    """A sha256 object fed with the bytes already in ``path`` (a resumed ``.part``), to be continued."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest


def _stream_to(
    store: ObjectStore, key: str, part: Path, size: int, advance: Callable[[int], None], digest: Any
) -> None:
    """Append the object's missing bytes to ``part``, hashing them as they arrive (``digest`` holds the
    bytes already there); on a transient error, resume from where it stopped."""
    for attempt in range(_RESUME_ATTEMPTS):
        offset = part.stat().st_size
        if offset >= size:
            return
        try:
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)  # never through a link
            with os.fdopen(os.open(part, flags, 0o600), "ab") as handle:
                for block in store.iter_bytes(key, offset):
                    handle.write(block)
                    digest.update(block)
                    advance(len(block))
            return
        except TransientError:
            if attempt == _RESUME_ATTEMPTS - 1:
                raise
            time.sleep(0.5 * 2**attempt)


def _fetch(store: ObjectStore, key: str, chunk: ChunkEntry, dest: Path, stats: _Stats, progress: _Bar) -> None:
    """Download one chunk to ``dest`` through ``dest.part`` (resumed), verified before the rename.

    The sha256 is computed while the bytes arrive (a resumed file's earlier bytes are hashed first), so
    the chunk is not read back from disk; size and Parquet footer are checked on the file.
    """
    part = _part_path(dest)
    if part.exists() and part.stat().st_size > chunk.bytes:
        part.unlink()
    if part.exists() and part.stat().st_size > 0:
        stats.resumed += 1
    for attempt in range(2):
        handle = os.open(part, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
        os.fchmod(handle, 0o600)  # the user's own partial file, readable by them only
        os.close(handle)
        before = part.stat().st_size
        digest = _hash_of(part)
        try:
            _stream_to(store, key, part, chunk.bytes, progress.advance, digest)
        except MissingObject:
            raise NotAllowed(
                f"{store.uri(key)}: a published chunk is missing from the store (deleted or damaged); "
                "run `kdata fsck` — nothing was written for it"
            ) from None
        size = part.stat().st_size
        stats.transferred += size - before
        if size == chunk.bytes and digest.hexdigest() == chunk.sha256 and _footer_ok(part, chunk):
            os.replace(part, dest)  # not kcore.atomic: a *.part is kept and resumed by the next download
            return
        part.unlink()  # a resumed file that does not verify: fetch the whole object once more
        stats.refetched += 1
        if attempt == 0:
            progress.grow(chunk.bytes)
    raise NotAllowed(  # exit 4, as every other read of a damaged chunk (kdata sql, --where, --urls) refuses it
        f"{store.uri(key)}: differs from the version manifest (size, sha256 or footer) even after a fresh "
        "download; the stored copy is damaged — run `kdata fsck`"
    )


class _Bar:
    """A rich progress bar (bytes, speed, ETA) on stderr; silent when disabled."""

    def __init__(self, progress: Progress | None, description: str, total: int) -> None:
        self.progress = progress
        self.task = progress.add_task(description, total=total) if progress else None

    def advance(self, amount: int) -> None:
        if self.progress is not None and self.task is not None:
            self.progress.advance(self.task, amount)

    def grow(self, amount: int) -> None:
        if self.progress is not None and self.task is not None:
            total = next(t.total for t in self.progress.tasks if t.id == self.task) or 0
            self.progress.update(self.task, total=total + amount)


@contextmanager
def _progress(show: bool) -> Iterator[Progress | None]:
    if not show:
        yield None
        return
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    )
    with progress:
        yield progress


def _whole(
    store: ObjectStore, raw: bytes, manifest: VersionManifest, chunks: list[ChunkEntry], root: Path, show: bool
) -> dict[str, Any]:
    stats = _Stats()
    write_atomic(root / VERSION_MANIFEST, raw, fsync=False)  # the store's bytes, as they are
    prefix = version_prefix(manifest.dataset_id, manifest.version)
    for item in manifest.version_files:  # the dataset card: small, fetched whole and verified
        stats.files.append(str(_fetch_file(store, prefix, item, root)))
    todo = []
    for chunk in chunks:
        dest = root / safe_key(chunk.key, str(root / VERSION_MANIFEST))
        _no_linked_folders(root.parent.parent, dest.parent)
        if not dest.resolve().is_relative_to(root.resolve()):
            raise KDataError(f"{dest}: chunk {chunk.key!r} would land outside {root}; nothing more is written")
        stats.files.append(str(dest))
        if _intact(dest, chunk):
            stats.skipped += 1
            continue
        if dest.exists():
            dest.unlink()  # a corrupted or truncated local copy: fetch it again
            stats.refetched += 1
        dest.parent.mkdir(parents=True, exist_ok=True)
        todo.append((chunk, dest))
    remaining = sum(c.bytes - _part_size(d, c.bytes) for c, d in todo)
    with _progress(show) as progress:
        bar = _Bar(progress, f"내려받기 {manifest.dataset_id} {manifest.version}", remaining)
        for chunk, dest in todo:
            _fetch(store, f"{prefix}/{chunk.key}", chunk, dest, stats, bar)
    return {
        "mode": "chunks",
        "root": str(root),
        "manifest": str(root / VERSION_MANIFEST),
        "files": stats.files,
        "chunks": len(chunks),
        "bytes": sum(c.bytes for c in chunks),
        "transferred": stats.transferred,
        "skipped": stats.skipped,
        "resumed": stats.resumed,
        "refetched": stats.refetched,
    }


def _fetch_file(store: ObjectStore, prefix: str, item: FileEntry, root: Path) -> Path:
    """One version file (not a chunk) to ``root``, kept when intact, else fetched and checked by size and
    sha256 before it is written (not counted in the chunk figures ``transferred`` and ``skipped``)."""
    key = item.key
    if not key or key != Path(key).name or key.startswith("."):
        raise KDataError(f"{store.uri(prefix)}: the version manifest lists an unsafe file name {key!r}")
    dest = root / key
    if dest.is_file() and dest.stat().st_size == item.bytes and sha256_file(dest) == item.sha256:
        return dest
    data = store.get_bytes(f"{prefix}/{key}")
    if data is None or len(data) != item.bytes or hashlib.sha256(data).hexdigest() != item.sha256:
        raise KDataError(
            f"{store.uri(f'{prefix}/{key}')}: missing or differs from the version manifest (size or sha256); "
            "run `kdata fsck`"
        )
    write_atomic(dest, data, fsync=False)
    return dest


def _no_linked_folders(top: Path, folder: Path) -> None:
    """Refuse a symbolic link among the folders from ``top`` (excluded: the user's ``--out`` may be one) down
    to ``folder``: another local user's ``out/<dataset>/1.0 -> ~victim/project`` had the download overwrite
    that project's ``README.md`` and write the chunks there."""
    for path in [folder, *folder.parents]:
        if path == top or not path.is_relative_to(top):
            return
        try:
            found = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(found.st_mode):
            raise KDataError(f"{path}: a folder of the download is a symbolic link; remove it and download again")
        if found.st_uid != os.getuid():  # another user's folder: they could read (or swap) what lands in it
            raise KDataError(f"{path}: a folder of the download belongs to another user; download elsewhere")


def _part_path(dest: Path) -> Path:
    """``dest.part``, the partial download to resume: only a regular file of the output folder. A symbolic
    link planted there is removed, never followed (resuming appended licensed chunk bytes to the file it
    named, with that file's permissions); anything else there is refused."""
    part = dest.with_name(dest.name + ".part")
    try:
        found = os.lstat(part)
    except FileNotFoundError:
        return part
    if stat.S_ISLNK(found.st_mode):
        part.unlink()
    elif not stat.S_ISREG(found.st_mode):
        raise KDataError(f"{part}: not a regular file; remove it and download again")
    elif found.st_uid != os.getuid() or found.st_nlink > 1:
        # another user's file (or one with a second name elsewhere) would receive the licensed bytes and keep them
        raise KDataError(f"{part}: a partial download that is not yours alone (owner or hard link); remove it first")
    return part


def _part_size(dest: Path, size: int) -> int:
    part = _part_path(dest)
    current = part.stat().st_size if part.exists() else 0
    return current if current <= size else 0


# -- selective -------------------------------------------------------------------------------------


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sandbox(store: ObjectStore, sources: list[str], memory: str = "1GB") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that may open only ``sources`` (httpfs + a scoped secret for S3), with the memory
    limit of a ``kdata sql`` statement (``KDATA_SQL_MEMORY``; a subset streams to disk, so no timeout)."""
    from catalog.db import extension_directory

    con = duckdb.connect(
        ":memory:",
        config={
            "extension_directory": extension_directory(),
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    con.execute("SET enable_progress_bar = false")  # never on stdout (`--json` output)
    store.enable_duckdb(con)  # S3: httpfs and a secret scoped to the store; local files: nothing
    con.execute(f"SET allowed_paths = {_sql_list(sources)}")
    con.execute(f"SET memory_limit = '{memory}'")  # a SqlLimits size, checked when settings load
    con.execute("SET max_temp_directory_size = '0B'")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


@contextmanager
def _duckdb_errors(what: str) -> Iterator[None]:
    try:
        yield
    except duckdb.PermissionException as error:
        raise NotAllowed(f"{what}: outside access refused: {error}") from None
    except duckdb.OutOfMemoryException:
        raise NotAllowed(
            f"{what}: needed more memory than KDATA_SQL_MEMORY allows and was stopped (메모리 제한)"
        ) from None
    except (duckdb.IOException, duckdb.HTTPException) as error:
        raise TransientError(f"{what}: reading the published chunks failed: {error}") from None
    except duckdb.Error as error:
        raise BadInput(f"{what}: {error}") from None


def _write_batches(reader: pa.RecordBatchReader, dest: Path, row_group_bytes: int) -> dict[str, Any]:
    """Stream record batches into ``dest`` (row groups of about ``row_group_bytes``), verified, then renamed."""
    rows = 0
    pending: list[pa.RecordBatch] = []
    pending_bytes = 0
    with atomic_path(dest, fsync=False) as part:  # removed if the subset fails its check
        with pq.ParquetWriter(part, reader.schema, **parquet_options(reader.schema)) as writer:

            def flush() -> None:
                nonlocal pending, pending_bytes
                table = pa.Table.from_batches(pending, schema=reader.schema)
                writer.write_table(table, row_group_size=max(table.num_rows, 1))
                pending, pending_bytes = [], 0

            for batch in reader:
                pending.append(batch)
                pending_bytes += batch.nbytes
                rows += batch.num_rows
                if pending_bytes >= row_group_bytes:
                    flush()
            if pending:
                flush()
        if pq.read_metadata(part).num_rows != rows:
            raise KDataError(f"{dest}: the written subset does not count {rows} rows")
    return {"file": dest.name, "rows": rows, "bytes": dest.stat().st_size, "sha256": sha256_file(dest)}


def _select(
    store: ObjectStore,
    manifest: VersionManifest,
    chunks: list[ChunkEntry],
    request: DownloadRequest,
    root: Path,
    row_group_bytes: int,
    memory: str = "1GB",
    memo: Path | None = None,
    etags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A filtered or projected subset, as Parquet; every chunk it reads is first checked against the catalog
    (:func:`storage.verify.check_chunks`: a chunk replaced in the store was served before)."""
    where, tree = parse_where(request.where) if request.where is not None else (None, None)
    prefix = version_prefix(manifest.dataset_id, manifest.version)
    by_split: dict[str, list[ChunkEntry]] = {}
    for chunk in chunks:
        by_split.setdefault(chunk.split, []).append(chunk)
    # chunks whose zone map rules the filter out are never opened (their footers stay in the store)
    skipped = {c.key for c in chunks if tree is not None and not may_match(tree, c.ranges or {})}
    read = [c for c in chunks if c.key not in skipped]
    if memo is not None:
        opened = {c.key: c for c in [*(read or chunks)[:1], *read]}  # the schema's chunk and the ones read
        _checked(store, manifest, list(opened.values()), memo, etags)
    # the schema comes from a chunk that is read anyway (DuckDB keeps what it fetched for the query)
    schema_source = store.duckdb_source(f"{prefix}/{(read or chunks)[0].key}")
    sources = sorted({schema_source, *(store.duckdb_source(f"{prefix}/{c.key}") for c in read)})
    con = _sandbox(store, sources, memory)
    try:
        with _duckdb_errors("--columns"):
            described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({_sql_list([schema_source])})").fetchall()
        columns = validate_columns(request.columns, [r[0] for r in described]) if request.columns else None
        selection = {
            "columns": columns,
            "where": where,
            "chunks": [c.key for c in chunks],
            "version_content_sha256": manifest.content_sha256,
        }
        digest = hashlib.sha256(json.dumps(selection, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
        folder = root / f"subset-{digest[:12]}"
        _no_linked_folders(root.parent.parent, folder)
        projection = ", ".join(_quote(c) for c in columns) if columns else "*"
        splits = {}
        for split, split_chunks in sorted(by_split.items()):
            sources = [store.duckdb_source(f"{prefix}/{c.key}") for c in split_chunks if c.key not in skipped]
            if sources:
                sql = f"SELECT {projection} FROM read_parquet({_sql_list(sources)}) WHERE {where or 'true'}"
            else:  # no chunk of this split can match: an empty file with the subset's columns
                sql = f"SELECT {projection} FROM read_parquet({_sql_list([schema_source])}) WHERE false"
            with _duckdb_errors(f"--where {where!r}" if where else "selection"):
                reader = con.execute(sql).fetch_record_batch(8192)
                written = _write_batches(reader, folder / f"{split}.parquet", row_group_bytes)
            splits[split] = SelectionSplit(
                **written,
                source_chunks=[SourceChunk(key=c.key, sha256=c.sha256) for c in split_chunks],
                skipped_chunks=sorted(c.key for c in split_chunks if c.key in skipped),
            )
    finally:
        con.close()
    document = Selection(
        dataset_id=manifest.dataset_id,
        version=manifest.version,
        version_content_sha256=manifest.content_sha256,
        columns=columns,
        where=where,
        splits=splits,
    )
    write_atomic(folder / "selection.json", document.dump(), fsync=False)
    return {
        "mode": "select",
        "root": str(folder),
        "selection": str(folder / "selection.json"),
        "files": [str(folder / s.file) for s in splits.values()],
        "chunks_skipped": len(skipped),
        "rows": {name: s.rows for name, s in splits.items()},
        "bytes": sum(s.bytes for s in splits.values()),
        "columns": columns,
        "where": where,
    }


# -- URLs ------------------------------------------------------------------------------------------


def _checked(
    store: ObjectStore, manifest: VersionManifest, chunks: list[ChunkEntry], memo: Path, etags: dict[str, str] | None
) -> None:
    """:func:`storage.verify.check_chunks` of these chunks (their registered ETags where there are some); a
    damaged or missing one refuses the download (exit 4, as ``kdata sql`` refuses it): ``--urls`` handed out
    links to a replaced chunk (attack trial 9)."""
    prefix = version_prefix(manifest.dataset_id, manifest.version)
    refs = [ChunkRef(f"{prefix}/{c.key}", c.bytes, c.sha256, (etags or {}).get(c.key)) for c in chunks]
    try:
        check_chunks(store, refs, memo)
    except Damaged as error:
        raise NotAllowed(str(error)) from None


def _urls(store: ObjectStore, manifest: VersionManifest, chunks: list[ChunkEntry], expires: int) -> dict[str, Any]:
    prefix = version_prefix(manifest.dataset_id, manifest.version)
    items = []
    for chunk in chunks:
        key = f"{prefix}/{chunk.key}"
        url = store.presign(key, expires)  # a signed link (S3), else the file's path on a local store
        if url is None:
            local = store.local_path(key)
            if local is None:
                raise BadInput(f"{store.uri(key)}: this store hands out neither links nor file paths")
            url = str(local)
        items.append(
            {
                "split": chunk.split,
                "key": chunk.key,
                "bytes": chunk.bytes,
                "sha256": chunk.sha256,
                "url": url,
            }
        )
    return {
        "mode": "urls",
        "expires_in": expires if store.supports_presign else None,
        "urls": items,
        "bytes": sum(c.bytes for c in chunks),
    }


# -- entry point -----------------------------------------------------------------------------------


def _check_request(request: DownloadRequest) -> None:
    if request.urls and request.selective:
        raise BadInput("--urls hands out whole chunks: it cannot be combined with --columns or --where")
    if not 1 <= request.expires <= 7 * 24 * 3600:
        raise BadInput(f"--expires {request.expires}: expected 1 to 604800 seconds (7 days)")
    if request.where is not None:
        validate_where(request.where)


def _load_manifest(
    store: ObjectStore, dataset_id: str, version: str, content_sha256: str, catalog_chunks: dict[str, str]
) -> tuple[bytes, VersionManifest]:
    key = f"{version_prefix(dataset_id, version)}/{VERSION_MANIFEST}"
    raw = store.get_bytes(key)
    if raw is None:
        raise KDataError(
            f"{store.uri(key)}: the catalog lists {dataset_id} {version} but the store has no manifest; "
            "run `kdata fsck`"
        )
    manifest = VersionManifest.read(raw, store.uri(key))
    if manifest.content_sha256 != content_sha256:
        raise KDataError(f"{store.uri(key)}: the store's manifest does not match the catalog (content_sha256)")
    check_manifest_chunks(manifest, catalog_chunks, store.uri(key))
    return raw, manifest


def _authorise(settings: Settings, request: DownloadRequest) -> tuple[str, str, dict[str, str], dict[str, str]]:
    """Licence check (refusals are audited too), then the version to serve, its content hash, the chunks the
    catalog registered for it (key → sha256) and their registered ETags (key → ETag, where there is one)."""
    from catalog.access import check_download
    from catalog.db import connect

    with connect(settings, read_only=True, live=True) as con:  # the catalog itself, never the snapshot
        try:
            check_download(con, request.dataset_id, settings.user)
        except NotAllowed as refused:
            reason = str(refused)
        else:
            version, content_sha256 = _resolve_version(con, request.dataset_id, request.version)
            rows = con.execute(
                "SELECT key, sha256, etag FROM chunks WHERE dataset_id = ? AND version = ?",
                [request.dataset_id, version],
            ).fetchall()
            etags = {str(k): str(e) for k, _h, e in rows if e is not None}
            return version, content_sha256, {str(k): str(h) for k, h, _e in rows}, etags
    _audit(settings, request.dataset_id, request.version, {"status": "refused", "reason": reason})
    raise NotAllowed(reason)


def download(settings: Settings, request: DownloadRequest, *, show_progress: bool = True) -> dict[str, Any]:
    """Check the licence, fetch or select, audit; returns a summary (no signed URLs in the audit)."""

    _check_request(request)
    version, content_sha256, catalog_chunks, etags = _authorise(settings, request)
    store = open_store(settings.store)
    raw, manifest = _load_manifest(store, request.dataset_id, version, content_sha256, catalog_chunks)
    chunks = select_chunks(manifest, request.split, request.chunks)
    out = request.out.expanduser().absolute()
    root = out / request.dataset_id / version
    _no_linked_folders(out, root)
    detail: dict[str, Any] = {
        "mode": "urls" if request.urls else "select" if request.selective else "chunks",
        "split": request.split,
        "chunks": [c.key for c in chunks],
        "columns": request.columns,
        "where": request.where,
    }
    try:
        if request.urls:  # links to the store's objects: each is first checked, as every other read is
            _checked(store, manifest, chunks, verified_memo(settings.home), etags)
            result = _urls(store, manifest, chunks, request.expires)
            detail.update(bytes=result["bytes"], expires_in=result["expires_in"])
        elif request.selective:
            memo = verified_memo(settings.home)
            result = _select(
                store, manifest, chunks, request, root, settings.row_group_bytes, settings.sql.memory, memo, etags
            )
            detail.update(bytes=result["bytes"], rows=result["rows"], out=result["root"])
        else:
            result = _whole(store, raw, manifest, chunks, root, show_progress)
            detail.update(bytes=result["bytes"], transferred=result["transferred"], out=result["root"])
    except KDataError as error:
        _audit(settings, request.dataset_id, version, {**detail, "status": "failed", "error": str(error)})
        raise
    _audit(settings, request.dataset_id, version, {**detail, "status": "ok"})
    return {"dataset_id": request.dataset_id, "version": version, **result}
