"""Catalog backups and the damaged-WAL alarm: ``kdata backup`` / ``kdata restore``; a WAL is never deleted.

DuckDB 1.4 silently ignores a damaged WAL and deletes it at the next checkpoint; kdata must raise the
alarm instead, leave the files as they are, and let ``kdata restore`` recover (old files kept aside).
A sound WAL left by a writer killed after COMMIT must still be replayed without any alarm.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from catalog.db import connect
from catalog.wal import wal_problem
from kcore.config import load_settings
from kdata.cli import app
from kdata.samples.korean_dialogue import write_korean_dialogue
from tests.reliability._support import ROOT, home_env, kdata_cli, verify_home

pytestmark = pytest.mark.integration
runner = CliRunner()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kdata(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def ingest(path: Path) -> dict[str, object]:
    code, out = kdata("ingest", str(path), "--json")
    assert code == 0, out
    return dict(json.loads(out[: out.rindex("}") + 1]))


def test_damaged_wal_raises_the_alarm_and_restore_recovers(
    kdata_home: Path, tmp_path: Path, small_dataset: Path
) -> None:
    settings = load_settings()
    ingest(small_dataset)
    backup = tmp_path / "backups" / "catalog-1.duckdb"
    code, out = kdata("backup", str(backup), "--json")
    assert code == 0, out
    made = json.loads(out)
    assert (made["datasets"], made["versions"]) == (1, 1) and made["sha256"] == sha(backup)
    assert kdata("backup", str(backup))[0] == 2  # never overwrites

    second = write_korean_dialogue(tmp_path / "second", items=20, seed=3, dataset_id="after-backup")
    ingest(second)
    catalog, wal = settings.catalog_path, settings.catalog_path.with_name("catalog.duckdb.wal")
    wal.write_bytes(os.urandom(4096))  # a damaged write-ahead log
    before = (sha(catalog), sha(wal))

    # Every writer stops with the alarm and points at kdata restore; nothing is deleted or changed.
    code, out = kdata("ingest", str(second), "--json")
    assert code == 1
    assert "kdata restore" in out and "WAL" in out and "damaged" in out
    code, out = kdata("backup", str(tmp_path / "backups" / "catalog-2.duckdb"))
    assert code == 1 and "kdata restore" in out
    assert (sha(catalog), sha(wal)) == before
    # Readers still answer from the last good snapshot.
    code, out = kdata("search", "--json")
    assert code == 0 and {d["id"] for d in json.loads(out)} == {"korean-sns-dialogue", "after-backup"}

    # Restore: the damaged catalog and its WAL are kept aside, byte for byte.
    code, out = kdata("restore", str(backup), "--json")
    assert code == 0, out
    restored = json.loads(out)
    kept = {Path(p).name: Path(p) for p in restored["kept_aside"]}
    assert (sha(kept["catalog.duckdb"]), sha(kept["catalog.duckdb.wal"])) == before
    assert not wal.exists()
    assert set(verify_home(settings).registered) == {("korean-sns-dialogue", "1.0")}

    # The version published after the backup is still in the store: a rerun registers it again.
    again = ingest(second)
    assert again["already_published"] is True
    state = verify_home(settings)
    assert set(state.registered) == {("korean-sns-dialogue", "1.0"), ("after-backup", "1.0")}
    assert state.unregistered == []


def test_restore_refuses_a_catalog_in_use(kdata_home: Path, tmp_path: Path) -> None:
    settings = load_settings()
    with connect(settings):
        pass
    backup = tmp_path / "catalog.backup"
    assert kdata("backup", str(backup))[0] == 0
    code, out = kdata("restore", str(tmp_path / "nothing.duckdb"))
    assert code == 2
    (tmp_path / "not-a-catalog").write_bytes(b"hello")
    assert kdata("restore", str(tmp_path / "not-a-catalog"))[0] == 2

    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(settings.catalog_path)!r}); "
         "print('open', flush=True); time.sleep(120)"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        before = sha(settings.catalog_path)
        code, out = kdata("restore", str(backup))
        assert code == 1 and "in use" in out
        assert sha(settings.catalog_path) == before
        assert not (kdata_home / "catalog-aside").exists()
    finally:
        holder.kill()
        holder.wait()
    assert kdata("restore", str(backup))[0] == 0
    assert len(list((kdata_home / "catalog-aside").iterdir())) == 1


def test_sound_wal_of_a_killed_writer_is_replayed_without_alarm(kdata_home: Path) -> None:
    settings = load_settings()
    with connect(settings):  # the catalog exists and is checkpointed
        pass
    code = (
        "import os, signal\n"
        "from catalog.audit import audit\n"
        "from catalog.db import connect\n"
        "from kcore.config import load_settings\n"
        "with connect(load_settings()) as con:\n"
        "    audit(con, 'tester', 'committed_before_kill', None, None, {'n': 1})\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], env=home_env(kdata_home), cwd=ROOT, check=False)
    assert proc.returncode == -9
    wal = settings.catalog_path.with_name("catalog.duckdb.wal")
    assert wal.stat().st_size > 0  # committed, not checkpointed
    sound = wal.read_bytes()
    probe = kdata_home / "probe.wal"
    for variant, damaged in (
        (sound, False),
        (sound[:-5], False),  # torn last entry: a writer killed while appending (never committed)
        (os.urandom(len(sound)), True),
        (sound[:8] + os.urandom(64), True),
    ):
        probe.write_bytes(variant)
        assert (wal_problem(probe) is not None) == damaged
    assert kdata_cli(["sql", "SELECT 1"], home_env(kdata_home)).returncode == 0
    with connect(settings) as con:
        rows = con.execute("SELECT count(*) FROM audit_log WHERE action = 'committed_before_kill'").fetchone()
    assert rows == (1,)
    assert not wal.exists()  # replayed and checkpointed by DuckDB itself
