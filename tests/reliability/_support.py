"""Helpers of the reliability tests: run ``kdata`` as a real process, check a KDATA_HOME end to end, and the
crash-then-rerun scenario shared by the local and the shared-catalog crash tests."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kcore.config import Settings, load_settings

if TYPE_CHECKING:
    from schemas.contracts import VersionManifest

ROOT = Path(__file__).resolve().parents[2]

SMALL_CHUNKS = {"KDATA_CHUNK_BYTES": "40000", "KDATA_ROW_GROUP_BYTES": "10000", "KDATA_USER": "tester"}
"""The chunk settings of ``kdata_home`` (several chunks even for 40 dialogues)."""


def kdata_cli(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``python -m kdata ARGS`` in a fresh process; returns the finished process (never raises on exit code)."""
    return subprocess.run(
        [sys.executable, "-m", "kdata", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def kdata_popen(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """``python -m kdata ARGS`` started in the background (stdout and stderr captured)."""
    return subprocess.Popen(
        [sys.executable, "-m", "kdata", *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def prepare(settings: Settings, dataset: Path) -> str:
    """Plan, extract and check quality in this process (what a killed run had done before a later point)."""
    from kdata import pipeline

    planned = pipeline.plan_run(settings, str(dataset))
    for index in range(planned["units"]):
        pipeline.extract_unit(settings, planned["run_id"], index)
    pipeline.check_quality(settings, planned["run_id"])
    return str(planned["run_id"])


def object_sha256(store: Any, key: str) -> str:
    """The sha256 of the bytes really stored (downloaded, not taken from metadata)."""
    digest = hashlib.sha256()
    for block in store.iter_bytes(key, 0):
        digest.update(block)
    return digest.hexdigest()


def chunk_table(manifest: VersionManifest) -> list[tuple[str, str, int, int]]:
    """What must be identical between two publications of the same input: key, sha256, bytes, rows."""
    return [(c.key, c.sha256, c.bytes, c.rows) for c in manifest.chunks]


@dataclass
class HomeState:
    """What :func:`verify_home` found: every registered version checked, and what the store holds."""

    registered: dict[tuple[str, str], VersionManifest] = field(default_factory=dict)
    """(dataset, version) → its version manifest (complete and verified)."""
    unregistered: list[tuple[str, str]] = field(default_factory=list)
    """Published in the store but not (yet) in the catalog: the "committed but unknown" case."""
    quality_runs: dict[str, int] = field(default_factory=dict)
    """run id → rows in ``quality_runs`` (must be 1 each)."""
    audits: dict[tuple[str, str], int] = field(default_factory=dict)
    """(action, dataset) → audit log rows."""


def _store_manifests(store: Any) -> list[tuple[str, str]]:
    found = []
    for key in store.list(""):
        parts = key.split("/")
        if len(parts) == 3 and parts[2] == "manifest.json" and not parts[0].startswith("_"):
            found.append((parts[0], parts[1]))
    return sorted(found)


def _verify_version(con: Any, store: Any, dataset_id: str, version: str) -> VersionManifest:
    """Catalog rows == manifest == objects (size, sha256 of the bytes, Parquet footer rows)."""
    from storage.layout import version_prefix
    from storage.publish import footer_rows, load_version_manifest

    manifest = load_version_manifest(store, dataset_id, version)
    assert manifest is not None, f"{dataset_id} {version} is in the catalog but has no manifest in the store"
    rows = con.execute(
        "SELECT key, sha256, content_size, record_count FROM chunks WHERE dataset_id = ? AND version = ? ORDER BY key",
        [dataset_id, version],
    ).fetchall()
    assert [tuple(r) for r in rows] == chunk_table(manifest)
    count, chunks, size = con.execute(
        "SELECT record_count, chunk_count, content_size FROM versions WHERE dataset_id = ? AND version = ?",
        [dataset_id, version],
    ).fetchone()
    assert (count, chunks, size) == (
        sum(c.rows for c in manifest.chunks),
        len(manifest.chunks),
        sum(c.bytes for c in manifest.chunks),
    )
    splits = con.execute(
        "SELECT split, record_count FROM splits WHERE dataset_id = ? AND version = ? ORDER BY split",
        [dataset_id, version],
    ).fetchall()
    assert dict(splits) == {s: i.rows for s, i in manifest.splits.items()}
    prefix = version_prefix(dataset_id, version)
    for chunk in manifest.chunks:
        key = f"{prefix}/{chunk.key}"
        assert key.endswith(".parquet"), key
        assert object_sha256(store, key) == chunk.sha256, key
        assert footer_rows(store, key, chunk.bytes) == chunk.rows, key
    listed = {k for k in store.list(prefix) if not k.startswith(f"{prefix}/quality/")}
    expected = {f"{prefix}/{c.key}" for c in [*manifest.chunks, *manifest.version_files]}
    expected |= {f"{prefix}/manifest.json"}
    for item in manifest.version_files:  # the dataset card, listed with size and sha256
        assert object_sha256(store, f"{prefix}/{item.key}") == item.sha256, item.key
    assert listed == expected, f"stray or missing objects in {prefix}: {sorted(listed ^ expected)}"
    return manifest


def verify_home(settings: Settings) -> HomeState:
    """Open the catalog as a writer (proves it opens, WAL checked) and check every registered version; then
    read every ``data.*`` view through the readers' snapshot."""
    from catalog.audit import verify_audit_log
    from catalog.db import connect
    from catalog.register import view_name
    from catalog.sql import run_readonly, store_access
    from storage.stores import open_store

    store = open_store(settings.store)
    state = HomeState()
    with connect(settings) as con:
        for dataset_id, version in con.execute("SELECT dataset_id, version FROM versions ORDER BY 1, 2").fetchall():
            state.registered[(dataset_id, version)] = _verify_version(con, store, dataset_id, version)
        for table in ("splits", "chunks"):
            orphans = con.execute(
                f"SELECT count(*) FROM {table} t WHERE NOT EXISTS "
                "(SELECT 1 FROM versions v WHERE v.dataset_id = t.dataset_id AND v.version = t.version)"
            ).fetchone()
            assert orphans == (0,), f"{table} rows without a version"
        lonely = con.execute(
            "SELECT count(*) FROM datasets d WHERE NOT EXISTS (SELECT 1 FROM versions v WHERE v.dataset_id = d.id)"
        ).fetchone()
        assert lonely == (0,), "a dataset row without any version (half a registration)"
        state.quality_runs = dict(con.execute("SELECT run_id, count(*) FROM quality_runs GROUP BY 1").fetchall())
        state.audits = {
            (a, d): n
            for a, d, n in con.execute("SELECT action, dataset_id, count(*) FROM audit_log GROUP BY 1, 2").fetchall()
        }
        assert verify_audit_log(con) == []
    state.unregistered = [m for m in _store_manifests(store) if m not in state.registered]
    views = {
        view_name(dataset_id, split): info.rows
        for (dataset_id, _), manifest in state.registered.items()
        for split, info in sorted(manifest.splits.items())
    }
    if views:  # one read-only query (as `kdata sql` runs it) over every data.* view
        query = "SELECT " + ", ".join(f"(SELECT count(*) FROM {name})" for name in views)
        with connect(settings, read_only=True) as con:
            _, result = run_readonly(con, query, store_access(con, settings.store))
        assert result == [tuple(views.values())], (list(views), result)
    return state


def incomplete_files(home: Path) -> list[Path]:
    """``*.incomplete`` chunk files anywhere under a KDATA_HOME (runs folder or local store)."""
    return sorted(home.rglob("*.incomplete"))


def home_env(home: Path, **extra: str) -> dict[str, str]:
    """The process environment for a ``kdata`` subprocess working on ``home``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KDATA_")}
    # who acts, keys, GX inline, and the shared catalog when a test uses one
    for kept in ("KDATA_USER", "KDATA_ADMINS", "KDATA_AUDIT_KEY", "KDATA_GX_WORKER", "KDATA_CATALOG"):
        if kept in os.environ:
            env[kept] = os.environ[kept]
    env.update(SMALL_CHUNKS)
    env["KDATA_HOME"] = str(home)
    if "KDATA_STORE" in os.environ:
        env["KDATA_STORE"] = os.environ["KDATA_STORE"]
    env.update(extra)
    return env


# -- crash and rerun (tests/reliability/test_crash_rerun.py, test_crash_shared.py) --------------------------

# point, KDATA_FAULT_AFTER, stages done beforehand in-process
CASES = [
    ("after_plan", 1, False),
    ("after_extract", 1, False),
    ("chunk_row_group", 2, False),
    ("chunk_rename", 1, False),
    ("after_quality", 1, True),
    ("after_gate", 1, True),
    ("publish_staged", 2, True),
    ("publish_copied", 1, True),
    ("publish_manifest", 1, True),
    ("after_publish", 1, True),
    ("register_tx", 1, True),
    ("after_register", 1, True),
]
MANIFEST_WRITTEN = {"publish_manifest", "after_publish", "register_tx", "after_register"}


def crash(dataset: Path, point: str, after: int) -> None:
    """Run ``kdata ingest`` in a new process with the fault armed; it must die by SIGKILL at that point."""
    proc = kdata_cli(["ingest", str(dataset), "--json"], home_env_now(KDATA_FAULT=point, KDATA_FAULT_AFTER=str(after)))
    assert proc.returncode == -9, (proc.returncode, proc.stdout[-2000:], proc.stderr[-3000:])
    assert f"KDATA_FAULT: killed at {point}" in proc.stderr
    assert proc.stdout == ""  # nothing claimed success


def home_env_now(**extra: str) -> dict[str, str]:
    return home_env(load_settings().home, **extra)


def crash_then_rerun(
    point: str,
    after: int,
    prepared: bool,
    kdata_home: Path,
    small_dataset: Path,
    reference: VersionManifest,
    rerun_home: Path | None = None,
) -> None:
    """``kdata ingest`` killed at ``point`` (the ``after``-th time it is reached; ``prepared``: plan, extract
    and quality done beforehand in this process), the state checked, then rerun (on ``rerun_home``, another
    host, when given): the same bytes as ``reference`` are published, once."""
    from kdata import pipeline
    from storage.stores import open_store

    settings = load_settings()
    if prepared:
        prepare(settings, small_dataset)
    crash(small_dataset, point, after)

    # After the crash: the catalog opens, and the version is absent or complete (never half there).
    state = verify_home(settings)
    key = (reference.dataset_id, reference.version)
    if point == "after_register":
        assert key in state.registered
    else:
        assert state.registered == {}
        assert state.unregistered == ([key] if point in MANIFEST_WRITTEN else [])
    if point in ("chunk_row_group", "chunk_rename"):
        assert incomplete_files(kdata_home), "the writer died while a chunk was *.incomplete"

    # The rerun finishes the job: one version, complete, byte-identical to an uninterrupted run.
    if rerun_home is not None:  # on another host: the first one's home is gone
        shutil.rmtree(kdata_home)
        settings = load_settings({**os.environ, "KDATA_HOME": str(rerun_home)})
    result = pipeline.ingest(settings, str(small_dataset))
    assert result["status"] == "published"
    assert result["already_published"] == (point in MANIFEST_WRITTEN)
    state = verify_home(settings)
    assert list(state.registered) == [key] and state.unregistered == []
    assert chunk_table(state.registered[key]) == chunk_table(reference)
    assert state.registered[key].content_sha256 == reference.content_sha256
    assert state.quality_runs == {result["run_id"]: 1}
    assert state.audits[("publish", key[0])] == 1
    assert state.audits[("quality_check", key[0])] == 1
    assert incomplete_files(kdata_home) == []
    assert open_store(settings.store).list("_staging") == []  # the rerun cleared the staging leftovers

    # A second rerun changes nothing.
    again = pipeline.ingest(settings, str(small_dataset))
    assert again["already_published"] is True
    assert chunk_table(verify_home(settings).registered[key]) == chunk_table(reference)
