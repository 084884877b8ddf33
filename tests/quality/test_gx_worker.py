"""The warm GX worker (kdata/gx_worker.py): the quality stage of whole `kdata ingest` processes runs in one
worker that imported Great Expectations once, gives the verdicts and reports an in-process run gives, sends
errors back with their type and exit code, and stops when asked; when it cannot run, the stage runs inline."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kcore.config import Settings, load_settings
from kcore.errors import BadInput
from kdata import gx_worker
from kdata.samples.korean_dialogue import write_korean_dialogue
from tests.pty_run import run_kdata_on_pty

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def worker_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """An environment whose ingests use one warm worker (own home, own private socket folder)."""
    base = tmp_path_factory.mktemp("gx-worker")
    runtime = Path(tempfile.mkdtemp(prefix="xdg-", dir="/tmp"))  # short: socket paths are ~107 bytes at most
    env = {
        **os.environ,
        "KDATA_HOME": str(base / "home"),
        "KDATA_USER": "tester",
        "KDATA_CHUNK_BYTES": "40000",
        "KDATA_ROW_GROUP_BYTES": "10000",
        "KDATA_GX_WORKER": "warm",
        "KDATA_GX_WORKER_IDLE_S": "120",
        "XDG_RUNTIME_DIR": str(runtime),
    }
    env.pop("KDATA_STORE", None)
    yield env
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_RUNTIME_DIR", str(runtime))
        gx_worker.stop(Path(env["KDATA_HOME"]))
    shutil.rmtree(runtime, ignore_errors=True)


def _ingest(env: dict[str, str], dataset: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kdata", "ingest", str(dataset), "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _items(summary: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted((i["key"], i["success"], i.get("unexpected_count"), i.get("element_count")) for i in summary["items"])


def _quality_json(home: Path) -> dict[str, Any]:
    (path,) = (home / "runs").glob("*/quality.json")
    summary: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return summary


def test_ingests_share_one_warm_worker_with_the_inline_verdicts(
    worker_env: dict[str, str], sample_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", worker_env["XDG_RUNTIME_DIR"])
    home = Path(worker_env["KDATA_HOME"])
    clean = sample_factory(items=60, seed=3)
    first = _ingest(worker_env, clean)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["verdict"] in ("passed", "passed_with_warnings")
    state = gx_worker.status(home)
    assert state["running"] and state["jobs"] == 1

    pii = sample_factory(items=60, seed=4, inject="pii")  # blocked by the gate: exit 3, from the worker's verdict
    second = _ingest(worker_env, pii)
    assert second.returncode == 3, second.stderr
    again = gx_worker.status(home)
    assert again["pid"] == state["pid"] and again["jobs"] == 2  # the same worker, no second GX import
    log = (home / "logs" / "gx-worker.log").read_text(encoding="utf-8")
    assert "ready on" in log
    # the first ingest ran here (no worker was ready) and sent its quality job; the second ran whole in a
    # child of the ready worker (its quality stage in that child: no second job)
    assert "quality job 1 in process" in log and "ingest job 2 in process" in log
    assert "quality job 3" not in log and "ingest job 3" not in log

    # the same two datasets with the stage in the ingest process: the same quality items and verdicts
    inline_env = {**worker_env, "KDATA_GX_WORKER": "off", "KDATA_HOME": str(tmp_path / "inline")}
    assert _ingest(inline_env, clean).returncode == 0
    assert _ingest(inline_env, pii).returncode == 3
    warm_runs = {p.parent.name: json.loads(p.read_text()) for p in (home / "runs").glob("*/quality.json")}
    inline_runs = {
        p.parent.name: json.loads(p.read_text()) for p in (tmp_path / "inline" / "runs").glob("*/quality.json")
    }
    assert sorted(warm_runs) == sorted(inline_runs) and len(warm_runs) == 2  # same run ids: same input
    for run_id, summary in warm_runs.items():
        assert summary["verdict"] == inline_runs[run_id]["verdict"]
        assert summary["critical_failed"] == inline_runs[run_id]["critical_failed"]
        assert _items(summary) == _items(inline_runs[run_id])


def _ready(env: dict[str, str], sample_factory: Any) -> None:
    """The worker of ``env`` is ready for whole ingests (one ingest ran; its quality job waited for it)."""
    home = Path(env["KDATA_HOME"])
    if not list(Path(env["XDG_RUNTIME_DIR"]).glob("kdata/*.ready")):
        assert _ingest(env, sample_factory(items=60, seed=3)).returncode == 0
    assert gx_worker.status(home)["running"]


def _jobs_in_log(home: Path, op: str) -> list[int]:
    """Process ids of the worker's ``op`` jobs, from its log."""
    text = (home / "logs" / "gx-worker.log").read_text(encoding="utf-8")
    return [int(m) for m in re.findall(rf"{op} job \d+ in process (\d+)", text)]


def test_a_whole_ingest_in_the_worker_draws_its_progress_on_the_callers_terminal(
    worker_env: dict[str, str], sample_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stdin, stdout and stderr go to the job's child with the job: the progress display sees a terminal
    (the caller's pty) and draws there, and the result is printed there; the exit code comes back."""
    monkeypatch.setenv("XDG_RUNTIME_DIR", worker_env["XDG_RUNTIME_DIR"])
    _ready(worker_env, sample_factory)
    home = Path(worker_env["KDATA_HOME"])
    before = _jobs_in_log(home, "ingest")
    dataset = write_korean_dialogue(tmp_path / "ds", items=40, seed=11, dataset_id="worker-terminal")
    code, text, _ = run_kdata_on_pty(["ingest", str(dataset)], env=worker_env, cwd=ROOT)
    assert code == 0, text
    assert "품질검증 quality" in text and "게시 publish" in text  # the live display: stderr was a terminal
    assert "게시됨 published" in text and "verdict: passed" in text  # the result, on the caller's stdout
    assert len(_jobs_in_log(home, "ingest")) == len(before) + 1  # it ran in the worker's child


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "caller-killed"])
def test_a_stopped_caller_stops_the_ingest_in_the_worker_and_nothing_is_published(
    worker_env: dict[str, str], sample_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: int
) -> None:
    """Ctrl-C: the caller forwards SIGINT to the job's child, which stops (the caller exits 130, "Aborted!").
    A caller killed outright (no chance to forward): the child sees the connection close and stops too.
    Either way nothing is published and the worker lives on; the same ingest run again publishes."""
    import duckdb

    monkeypatch.setenv("XDG_RUNTIME_DIR", worker_env["XDG_RUNTIME_DIR"])
    _ready(worker_env, sample_factory)
    home = Path(worker_env["KDATA_HOME"])
    worker = gx_worker.status(home)["pid"]
    before = _jobs_in_log(home, "ingest")
    dataset_id = f"worker-stopped-{signum}"
    dataset = write_korean_dialogue(tmp_path / "ds", items=50, seed=12, dataset_id=dataset_id)
    held = duckdb.connect(str(home / "catalog.duckdb"))  # the child waits for the catalog's write lock
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kdata", "ingest", str(dataset), "--json"],
            env={**worker_env, "KDATA_LOCK_TIMEOUT": "120"},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        while len(_jobs_in_log(home, "ingest")) == len(before) and time.monotonic() < deadline:
            time.sleep(0.1)
        (child,) = _jobs_in_log(home, "ingest")[len(before) :]
        time.sleep(1.0)  # the caller forwards signals once it knows the child
        assert proc.poll() is None and _alive(child)
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
        deadline = time.monotonic() + 30
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child)  # stopped while the catalog was still locked: it did not finish
    finally:
        held.close()
    if signum == signal.SIGINT:
        assert proc.returncode == 130, stderr
        assert "Aborted!" in stderr and stdout == ""
    else:
        assert proc.returncode == -signal.SIGKILL
    assert not [p for p in home.rglob("manifest.json") if dataset_id in p.as_posix()]
    assert gx_worker.status(home)["pid"] == worker
    again = _ingest(worker_env, dataset)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["status"] == "published"


def test_an_error_in_the_worker_is_raised_here_with_its_type(
    worker_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("KDATA_HOME", "KDATA_GX_WORKER", "XDG_RUNTIME_DIR"):
        monkeypatch.setenv(name, worker_env[name])
    from kcore.config import load_settings

    settings = load_settings()
    job = {"settings": settings.to_json(), "run_id": "no-such-run"}
    with pytest.raises(BadInput, match="unknown run 'no-such-run'") as raised:
        gx_worker.run_quality_job(settings, job, inline=lambda: pytest.fail("ran inline"))
    assert raised.value.exit_code == 2


def test_stop_ends_the_worker(worker_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", worker_env["XDG_RUNTIME_DIR"])
    monkeypatch.setenv("KDATA_GX_WORKER", "warm")
    home = tmp_path / "own-home"
    assert gx_worker.prewarm(_settings(home))
    deadline = time.monotonic() + 120
    while not gx_worker.status(home)["running"] and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = gx_worker.status(home)["pid"]
    socket_file = gx_worker.socket_path(home)
    env = {**os.environ, "KDATA_HOME": str(home)}
    shown = subprocess.run([sys.executable, "-m", "kdata", "worker", "status", "--json"], env=env, capture_output=True)
    assert json.loads(shown.stdout)["pid"] == pid
    stopped = subprocess.run([sys.executable, "-m", "kdata", "worker", "stop", "--json"], env=env, capture_output=True)
    assert stopped.returncode == 0 and json.loads(stopped.stdout) == {"stopped": True}
    while socket_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not socket_file.exists() and not gx_worker.status(home)["running"]
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(pid)


def _settings(home: Path) -> Settings:
    """The settings of the environment, with ``home`` as KDATA_HOME."""
    return load_settings({**os.environ, "KDATA_HOME": str(home)})


def _alive(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except FileNotFoundError:
        return False


def test_a_socket_folder_others_can_enter_is_refused_and_the_stage_runs_inline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    runtime = Path(tempfile.mkdtemp(prefix="xdg-", dir="/tmp"))  # short: socket paths are ~107 bytes at most
    request.addfinalizer(lambda: shutil.rmtree(runtime))
    (runtime / "kdata").mkdir(parents=True)
    (runtime / "kdata").chmod(0o777)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("KDATA_GX_WORKER", "warm")
    settings = _settings(tmp_path / "home")
    assert not gx_worker.prewarm(settings)
    assert gx_worker.run_quality_job(settings, {}, inline=lambda: {"ran": "inline"}) == {"ran": "inline"}
    assert not list((runtime / "kdata").iterdir())  # no socket made there


def test_off_runs_inline_and_starts_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("KDATA_GX_WORKER", "off")
    settings = _settings(tmp_path / "home")
    assert not gx_worker.prewarm(settings)
    assert gx_worker.run_quality_job(settings, {}, inline=lambda: {"ran": "inline"}) == {"ran": "inline"}
    assert not (tmp_path / "kdata").exists()


def test_socket_names_differ_by_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    short = Path(tempfile.mkdtemp(prefix="xdg-", dir="/tmp"))
    try:
        monkeypatch.setenv("XDG_RUNTIME_DIR", str(short))
        one, two = gx_worker.socket_path(tmp_path / "a"), gx_worker.socket_path(tmp_path / "b")
        assert one != two and one.parent == two.parent == short / "kdata"
    finally:
        shutil.rmtree(short)
    deep = tmp_path / ("d" * 80)  # a runtime folder too deep for a socket path (~107 bytes): /tmp/kdata-<uid>
    deep.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    path = gx_worker.socket_path(tmp_path / "a")
    assert path.parent == Path(f"/tmp/kdata-{os.getuid()}") and len(str(path)) < 108


def test_the_code_version_is_computed_once_per_process_and_changes_with_the_code(tmp_path: Path) -> None:
    """An ingest asks for its socket at prewarm and again at the quality stage: the module files are stat'ed
    once per process. A process that starts after the code changed (uncached) gets a new version, so it
    never reaches a worker of the old code."""
    gx_worker._code_version.cache_clear()
    gx_worker.socket_path(tmp_path / "a")
    gx_worker.socket_path(tmp_path / "b")
    assert gx_worker._code_version.cache_info().misses == 1
    assert gx_worker._code_version() == gx_worker._tree_version(Path(gx_worker.__file__).resolve().parents[1])
    (tmp_path / "kdata").mkdir()
    module = tmp_path / "kdata" / "module.py"
    module.write_text("x = 1\n")
    before = gx_worker._tree_version(tmp_path)
    module.write_text("x = 22\n")
    assert gx_worker._tree_version(tmp_path) != before
