"""Shared fixtures: generated sample datasets (built in code, never shipped) and an isolated KDATA_HOME."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Airflow reads its configuration at import: point it at a private home before any test imports it.
_AIRFLOW_TMP = Path(tempfile.mkdtemp(prefix="kdata-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_TMP)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parent.parent / "dags")
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_TMP / 'airflow.db'}"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "False"
os.environ["GX_ANALYTICS_ENABLED"] = "False"
# A developer's shell may set KDATA_* for their own catalog (KDATA_HOME, KDATA_USER, KDATA_STORE ...): the suite
# starts from none of them, so it runs the same in any shell (this run's mark, inherited by xdist workers, stays).
for _name in [name for name in os.environ if name.startswith("KDATA_") and name != "KDATA_TEST_RUN"]:
    del os.environ[_name]
# Roles: the suite's usual users are admins of their catalogs (tests of roles set their own list), and
# the audit chain is keyed with a test key instead of a key file in the home folder.
os.environ["KDATA_ADMINS"] = "tester,bench,soak,serve-user,steward,auditor,auditor-kim,uploader-lee"
os.environ["KDATA_AUDIT_KEY"] = "kdata-test-audit-key"
# The quality stage runs in this process (a warm GX worker per test home would outlive the test); the
# worker itself is tested in tests/quality/test_gx_worker.py.
os.environ["KDATA_GX_WORKER"] = "off"
os.environ["KDATA_USER"] = "tester"  # not the OS user: who acts is the same on every machine
# Every process this run starts carries its mark (xdist workers inherit it): a warm worker still alive at
# the end of the run was left behind by a test (pytest_sessionfinish fails the run and stops it).
os.environ.setdefault("KDATA_TEST_RUN", f"{os.getpid()}-{os.urandom(4).hex()}")


DIALOGUE_MAPPING = (
    "labels: {files: ['**/*.json'], records: 'data[*]', fields: {"
    "dialogue_id: {path: header.dialogueInfo.dialogueID, role: id}, "
    "topic: {path: header.dialogueInfo.topic, role: class}, "
    "utterances: {path: 'body[*].utterance', role: text}}}"
)
"""The sample Korean dialogue labels as a label mapping: for datasets of dialogue labels filed under
another domain (the korean_dialogue record schema is for the korean domain only)."""


@pytest.fixture
def kdata_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh KDATA_HOME (catalog, store, runs, reports) for one test."""
    home = tmp_path / "kdata-home"
    monkeypatch.setenv("KDATA_HOME", str(home))
    monkeypatch.delenv("KDATA_STORE", raising=False)
    monkeypatch.setenv("KDATA_USER", "tester")
    monkeypatch.setenv("KDATA_CHUNK_BYTES", str(40_000))
    monkeypatch.setenv("KDATA_ROW_GROUP_BYTES", str(10_000))
    return home


@pytest.fixture(params=["embedded", "postgres"])
def catalog_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Runs a test on each catalog backend: the embedded DuckDB file (``KDATA_CATALOG`` unset) and the
    shared catalog in a fresh PostgreSQL database of the local server (``tests/pg.py``; dropped after)."""
    if request.param == "embedded":
        monkeypatch.delenv("KDATA_CATALOG", raising=False)
        yield "embedded"
        return
    yield from _shared_catalog(monkeypatch, "postgres")


@pytest.fixture
def shared_catalog(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``KDATA_CATALOG`` set to a fresh PostgreSQL database of the local server (dropped after); its URL."""
    yield from _shared_catalog(monkeypatch)


def _shared_catalog(monkeypatch: pytest.MonkeyPatch, name: str | None = None) -> Iterator[str]:
    from tests.pg import fresh_database

    with fresh_database() as url:
        monkeypatch.setenv("KDATA_CATALOG", url)
        yield name or url


@pytest.fixture(scope="session")
def sample_factory(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Generate (once per session and arguments) a Korean dialogue dataset; returns a fresh copy's path."""
    from kdata.samples.korean_dialogue import write_korean_dialogue

    cache: dict[tuple[object, ...], Path] = {}

    def make(items: int = 120, seed: int = 1, inject: str | None = None, copy_to: Path | None = None) -> Path:
        key = (items, seed, inject)
        if key not in cache:
            folder = tmp_path_factory.mktemp("samples") / f"ds-{items}-{seed}-{inject or 'clean'}"
            cache[key] = write_korean_dialogue(folder, items=items, seed=seed, inject=inject)
        if copy_to is None:
            return cache[key]
        shutil.copytree(cache[key], copy_to)
        return copy_to

    return make


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    shutil.rmtree(_AIRFLOW_TMP, ignore_errors=True)
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # the run's end is the controller's: after every worker's tests
    left = _workers_left_behind()
    if left:
        import signal

        for pid, _ in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for pid, test in left:
            line = f"warm GX worker {pid} left running by {test} (stopped now): stop it in the test's teardown"
            if reporter is not None:
                reporter.write_line(line, red=True)


def _workers_left_behind(wait_s: float = 10.0) -> list[tuple[int, str]]:
    """``(pid, test that started it)`` of the warm workers of this run still running after ``wait_s``
    (a test's teardown may have just asked one to stop)."""
    import time

    mark = f"KDATA_TEST_RUN={os.environ['KDATA_TEST_RUN']}".encode()
    deadline = time.monotonic() + wait_s
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if b"kdata.gx_worker_main" not in (entry / "cmdline").read_bytes():
                    continue
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:  # ended meanwhile, or not ours to read
                continue
            if mark in environ:
                test = next(
                    (v.partition(b"=")[2].decode() for v in environ if v.startswith(b"PYTEST_CURRENT_TEST=")), "?"
                )
                found.append((int(entry.name), test))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def grant_read(dataset_id: str, user: str = "tester") -> None:
    """A steward records ``user``'s approval for ``dataset_id`` in the current KDATA_HOME's catalog, so
    that tests can read rows of datasets whose licence needs one (AI Hub terms: approval_required)."""
    from catalog.db import connect
    from catalog.license import approve
    from kcore.config import load_settings

    with connect(load_settings()) as con:
        approve(con, dataset_id, user, "steward", reason="test access")
