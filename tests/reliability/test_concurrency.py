"""Concurrency: several ``kdata ingest`` processes on one KDATA_HOME while readers keep querying (on both
catalog backends).

Four different datasets and a second ingest of the first one start at the same moment. All five end
with exit 0; the duplicate pair publishes exactly once (the other reports ``already_published``); no
lock error reaches a user; the catalog is consistent; ``kdata search`` / ``kdata sql`` processes run in
a loop the whole time and every one of them answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kcore.config import load_settings
from kdata import pipeline
from kdata.samples.korean_dialogue import write_korean_dialogue
from tests.conftest import grant_read
from tests.reliability._support import ROOT, home_env, kdata_cli, verify_home

pytestmark = pytest.mark.integration

READS = [
    ["search", "대화", "--json"],
    ["sql", "SELECT count(*) AS n FROM versions", "--format", "json"],
    ["sql", 'SELECT count(*) AS n FROM data."korean_sns_dialogue__train"', "--format", "json"],
]


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A ``kdata`` process writing stdout to ``log.out`` and stderr to ``log.err`` (no pipe to fill up)."""
    with open(log.with_suffix(".out"), "wb") as out, open(log.with_suffix(".err"), "wb") as err:
        return subprocess.Popen([sys.executable, "-m", "kdata", *args], env=env, cwd=ROOT, stdout=out, stderr=err)


def _read_while(procs: list[subprocess.Popen[bytes]], env: dict[str, str]) -> tuple[int, list[str]]:
    """Run reader commands one after another until every writer has ended; (successes, failures)."""
    successes, failures = 0, []
    n = 0
    while any(p.poll() is None for p in procs):
        args = READS[n % len(READS)]
        n += 1
        proc = kdata_cli(args, env, timeout=120)
        try:
            json.loads(proc.stdout)
            ok = proc.returncode == 0
        except json.JSONDecodeError:
            ok = False
        if ok:
            successes += 1
        else:
            failures.append(f"{args}: exit {proc.returncode}: {proc.stderr[-500:]}")
    return successes, failures


def test_four_ingests_and_a_duplicate_at_once_while_readers_read(
    kdata_home: Path, catalog_backend: str, tmp_path: Path, small_dataset: Path
) -> None:
    """On both catalog backends: the embedded file (one writer at a time, the lock retried) and the shared
    PostgreSQL catalog (concurrent transactions, conflicts retried)."""
    settings = load_settings()
    pipeline.ingest(settings, str(small_dataset))  # a catalog for the readers to start with
    grant_read("korean-sns-dialogue")  # its rows need an approval (AI Hub terms): the reader holds one
    datasets = [
        write_korean_dialogue(tmp_path / f"ds{i}", items=40, seed=20 + i, dataset_id=f"concurrent-{i}")
        for i in range(4)
    ]
    env = home_env(kdata_home)
    logs = tmp_path / "logs"
    logs.mkdir()
    targets = [*datasets, datasets[0]]
    procs = [_start(["ingest", str(d), "--json"], env, logs / f"ingest{n}") for n, d in enumerate(targets)]
    successes, failures = _read_while(procs, env)
    codes = [p.wait(timeout=600) for p in procs]

    errs = [(logs / f"ingest{n}.err").read_text(encoding="utf-8") for n in range(len(procs))]
    assert codes == [0] * len(procs), list(zip(codes, [e[-2000:] for e in errs], strict=True))
    assert not [e for e in errs if "lock" in e.lower() or "busy" in e.lower()], errs
    results: list[dict[str, Any]] = [json.loads((logs / f"ingest{n}.out").read_text()) for n in range(len(procs))]
    assert [r["status"] for r in results] == ["published"] * len(procs)
    assert [r["already_published"] for r in results[1:4]] == [False, False, False]
    duplicate_pair = [results[0], results[4]]
    assert sorted(r["already_published"] for r in duplicate_pair) == [False, True]  # exactly one published
    assert results[0]["run_id"] == results[4]["run_id"] and results[0]["rows"] == results[4]["rows"]

    state = verify_home(settings)
    expected = {("korean-sns-dialogue", "1.0"), *{(f"concurrent-{i}", "1.0") for i in range(4)}}
    assert set(state.registered) == expected and state.unregistered == []
    assert {d: n for (a, d), n in state.audits.items() if a == "publish"} == {d: 1 for d, _ in expected}
    assert set(state.quality_runs.values()) == {1}

    print(f"readers during the writes: {successes} answered, {len(failures)} failed")
    assert failures == [], failures
    assert successes >= 3, successes  # the readers kept answering during the writes


def test_a_writer_keeps_the_catalog_lock_until_it_closes(kdata_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Copying the catalog for the readers' snapshot must not drop DuckDB's lock (POSIX locks vanish when
    the process closes any descriptor of the file): no second writer may open it before this one closes."""
    import catalog.db as db

    settings = load_settings()
    probe = (
        "import duckdb, sys\n"
        "try:\n    duckdb.connect(sys.argv[1]).close(); print('opened')\n"
        "except duckdb.IOException as error:\n    print('refused' if 'lock' in str(error) else error)\n"
    )
    seen: list[str] = []
    original = db.publish_snapshot

    def publish_then_probe(*args: Any) -> Path:
        target = original(*args)
        run = subprocess.run([sys.executable, "-c", probe, str(settings.catalog_path)], capture_output=True, text=True)
        seen.append(run.stdout.strip())
        return target

    monkeypatch.setattr(db, "publish_snapshot", publish_then_probe)
    with db.connect(settings):
        pass
    assert seen == ["refused"]
