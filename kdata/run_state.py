"""A run's state: what one pipeline stage leaves for the next (issue 19, workers that share only the store).

Every stage reads and writes the run folder ``$KDATA_HOME/runs/<run_id>/``. With a store that is a local
folder (``KDATA_STORE`` a path, the default) that folder *is* the run's state: one host, as before.

With a remote store (``KDATA_STORE=s3://…``) the store holds the state, so a stage on any host (a mapped
``extract`` task on another Celery worker, a retry on a third) picks it up, and ``KDATA_HOME`` is this
host's scratch and cache, deletable at any time between tasks:

- ``_runs/<run_id>/plan.json``, ``units/NNNN.json``, ``quality.json``, ``content.json`` and the quality
  reports ``reports/…`` (small files, written through: store first, then the local cache);
- the chunks under ``_staging/<run_id>/<key>``: the publish protocol's staging area
  (:mod:`storage.publish`), so publishing copies them server-side and uploads nothing again.

A unit's record is uploaded after its chunks, so a unit the store calls finished has every chunk staged.
A file the local cache lacks is fetched from the store on first use. ``kdata fsck`` lists run states beside
staging leftovers; ``kdata gc`` removes a run's state and staging together once nothing of it changed for
``--min-age``.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kcore.atomic import atomic_path, write_atomic
from kcore.errors import BadInput, TransientError

if TYPE_CHECKING:
    from kcore.config import Settings
    from schemas.run import Plan, QualitySummary, UnitRecord
    from storage.base import ObjectStore

__all__ = ["CONTENT", "PLAN", "QUALITY", "REPORTS", "RunState", "dump_json", "unit_file"]

PLAN = "plan.json"
"""What the plan stage decided: the input's archives and fingerprints, the units, the chunk settings."""
QUALITY = "quality.json"
"""The quality stage's summary (:class:`schemas.run.QualitySummary`: verdict, expectations, report path)."""
CONTENT = "content.json"
"""The version's full-content hashes, written at publish."""
REPORTS = "reports"
"""The quality reports (HTML, charts, GX results), for the publish stage on another host."""


def unit_file(index: int) -> str:
    """One extracted unit's record (chunks, problems, PII tally); written after its chunks are staged."""
    return f"units/{index:04d}.json"


def dump_json(data: Any) -> bytes:
    """The run folder's JSON bytes: sorted keys, UTF-8, indented, a trailing newline."""
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


class RunState:
    """One run's state files: the local run folder, written through to the store when the store is remote."""

    def __init__(self, settings: Settings, run_id: str) -> None:
        self.settings = settings
        self.run_id = run_id
        self.dir = settings.runs_dir / run_id

    @cached_property
    def store(self) -> ObjectStore:
        """The run's store (cheap to open: an S3 store uses the process's shared boto3 client)."""
        from storage.stores import open_store

        return open_store(self.settings.store)

    @cached_property
    def remote(self) -> bool:
        """The store is not a local folder: the run's state goes there too."""
        return self.store.local_path("") is None

    def key(self, rel: str) -> str:
        from storage.layout import RUN_STATE

        return f"{RUN_STATE}/{self.run_id}/{rel}"

    def chunk_key(self, key: str) -> str:
        from storage.layout import STAGING

        return f"{STAGING}/{self.run_id}/{key}"

    # -- small JSON files ---------------------------------------------------------------------------

    def write_json(self, rel: str, data: Any) -> None:
        """Write ``rel`` (atomically); to the store first when remote, so the local cache never holds a
        file the store lacks. Every call writes: a stage that may find its file written already (the plan
        of a rerun) asks first (:meth:`write_plan`)."""
        body = dump_json(data)
        path = self.dir / rel
        if self.remote:
            with atomic_path(path, fsync=False) as temp:
                temp.write_bytes(body)
                self.store.put_file(temp, self.key(rel))
            return
        write_atomic(path, body, fsync=False)

    def read_json(self, rel: str) -> Any | None:
        """``rel``'s content, from the local cache or (remote) the store; ``None`` when absent."""
        path = self.fetch(rel)
        return None if path is None else json.loads(path.read_text(encoding="utf-8"))

    def fetch(self, rel: str) -> Path | None:
        """The local path of ``rel``, downloaded first when only the store has it; ``None`` when absent."""
        path = self.dir / rel
        if path.is_file():
            return path
        if not self.remote:
            return None
        data = self.store.get_bytes(self.key(rel))
        if data is None:
            return None
        write_atomic(path, data, fsync=False)
        return path

    # -- the typed files: the plan, the units' records, the quality summary (schemas.run) ----------------

    def read_plan(self) -> Plan | None:
        from schemas.run import Plan

        return self._read_model(Plan, PLAN)

    def write_plan(self, plan: Plan) -> None:
        """Write the plan, unless the run's state holds this plan already (a rerun of the same input: nothing
        written or uploaded again)."""
        try:
            same = self.read_plan() == plan
        except BadInput:  # unreadable (a killed writer's leftover, another format): replaced
            same = False
        if not same:
            self.write_json(PLAN, plan.model_dump(mode="json", exclude_none=True))

    def read_unit(self, index: int) -> UnitRecord | None:
        from schemas.run import UnitRecord

        return self._read_model(UnitRecord, unit_file(index))

    def write_unit(self, record: UnitRecord) -> None:
        self.write_json(unit_file(record.index), record.model_dump(mode="json"))

    def read_quality(self) -> QualitySummary | None:
        """The quality stage's summary; ``None`` while the stage has not finished."""
        from schemas.run import QualitySummary

        return self._read_model(QualitySummary, QUALITY)

    def write_quality(self, summary: QualitySummary) -> None:
        """Write the quality summary: the quality stage's last step (its reports are pushed before it)."""
        self.write_json(QUALITY, summary.to_json())

    def _read_model(self, model: Any, rel: str) -> Any:
        from schemas.run import RunFileError, read_run_file

        data = self.read_json(rel)
        if data is None:
            return None
        where = self.store.uri(self.key(rel)) if self.remote and not (self.dir / rel).is_file() else str(self.dir / rel)
        try:
            return read_run_file(model, data, where)
        except RunFileError as error:
            raise BadInput(str(error)) from None

    # -- folders (quality reports) ------------------------------------------------------------------

    def push_folder(self, folder: Path, rel: str) -> None:
        """Upload the files of ``folder`` under ``rel`` (remote only)."""
        if not self.remote:
            return
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
            self.store.put_file(path, self.key(f"{rel}/{path.relative_to(folder).as_posix()}"))

    def folder_keys(self, rel: str) -> list[str]:
        """Store keys under ``rel`` (remote), relative to it."""
        prefix = self.key(rel)
        return [key[len(prefix) + 1 :] for key in self.store.list(prefix)] if self.remote else []

    # -- chunks -------------------------------------------------------------------------------------

    def push_chunks(self, chunk_root: Path, chunks: list[dict[str, Any]]) -> None:
        """Stage the unit's chunks in the store (remote only), each checked by size and sha256."""
        if not self.remote:
            return
        from schemas.contracts import ChunkEntry
        from storage.publish import verify_object

        for chunk in map(ChunkEntry.model_validate, chunks):
            key = self.chunk_key(chunk.key)
            if verify_object(self.store, key, chunk):
                continue  # an earlier attempt (this host or another) staged the same bytes
            self.store.put_file(chunk_root / chunk.key, key)
            if not verify_object(self.store, key, chunk):
                raise TransientError(f"{self.store.uri(key)}: size or sha256 differs after upload; try again")

    def chunk_file(self, chunk_root: Path, chunk: dict[str, Any]) -> Path:
        """The chunk's local file, downloaded from staging when this host did not write it."""
        path = chunk_root / chunk["key"]
        if path.is_file() and path.stat().st_size == chunk["bytes"]:
            return path
        if not self.remote:
            return path  # the reader reports it missing
        with atomic_path(path, fsync=False) as temp:
            self.store.download(self.chunk_key(chunk["key"]), temp)
        return path
