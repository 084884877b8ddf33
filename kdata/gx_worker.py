"""A warm Great Expectations worker: the quality stage without paying GX's import on every ingest.

``import great_expectations`` costs 7-15 s on a 2-core machine (scipy, pandas, altair, sqlalchemy), more than
the whole ingest of a small dataset. The quality stage therefore runs in a *worker*: a process per user,
``KDATA_HOME`` and code version that imports GX once and then forks one child per quality job (fork after
import: a child starts with GX loaded, in milliseconds, and jobs run side by side without sharing state).

* ``kdata ingest`` (and the Airflow ``plan`` task) call :func:`prewarm` first, which starts the worker in
  the background when none is running, so the import overlaps the plan and extract stages.
* The quality stage calls :func:`run_quality_job`: the job (run id, settings, the caller's environment and
  working directory) goes over a Unix socket; the child runs the suite exactly as the caller would have and
  returns the summary, or the error with its type, message and exit code, which are raised again here.
* Once the worker is ready (its imports done: a ``.ready`` file beside the socket), ``kdata ingest`` runs
  whole in a child (:func:`run_ingest`): the command sends its options, environment, folder, umask and
  arguments, and its stdin, stdout and stderr as file descriptors (``SCM_RIGHTS``); the child takes them
  over, runs the ingest with its quality stage in itself (:func:`in_job`), and answers with the exit code.
  The command forwards SIGINT, SIGTERM and SIGHUP to the child's process group (the child and the extract
  processes it forks), as a terminal would; a child whose caller vanishes stops that group.
* The worker exits after ``KDATA_GX_WORKER_IDLE_S`` seconds (default 600) without a job; ``kdata worker stop``
  stops it at once. ``KDATA_GX_WORKER=off`` runs the quality stage in the calling process instead (as the
  test-suite does by default); a worker that cannot start or dies mid-job also falls back to that, with a
  warning in the log: the worker only ever saves time, never changes a verdict.

The socket lives in a folder only the user can enter (``$XDG_RUNTIME_DIR/kdata`` or ``/tmp/kdata-<uid>``,
mode 0700, checked), is named by a hash of ``KDATA_HOME`` and the code version (our modules' sizes and
modification times, the interpreter and GX's version: a worker never runs stale code), and the worker
accepts only connections from its own uid (``SO_PEERCRED``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import json
import logging
import os
import select
import signal
import socket
import stat
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

if TYPE_CHECKING:
    from kcore.config import Settings
    from schemas.run import QualitySummary

__all__ = ["enabled", "prewarm", "run_ingest", "run_quality_job", "socket_path", "status", "stop"]

log = logging.getLogger("kdata.gx_worker")

_PACKAGES = ("kdata", "ingest", "quality", "catalog", "storage", "schemas", "kcore")
_HEADER = struct.Struct("!Q")
_MAX_MESSAGE = 64 * 1024 * 1024
_START_WAIT_S = 120.0
"""How long a client waits for a worker it started to accept (the GX import, under load)."""
_STDIO = (0, 1, 2)
_IN_JOB = False
"""True in a job's child: GX is imported here, so its stages run here (no worker of its own)."""


def enabled(settings: Settings) -> bool:
    """``KDATA_GX_WORKER`` (``settings.gx_worker``) is not ``off`` (and this platform has Unix sockets and fork)."""
    from kcore import faults

    if _IN_JOB or faults.armed():  # fault points are read at import: a crash test runs its stages itself
        return False
    off = settings.gx_worker in ("off", "0", "false", "no", "inline")
    return not off and hasattr(socket, "AF_UNIX") and hasattr(os, "fork")


@functools.cache
def _code_version() -> str:
    """Our modules' names, sizes and mtimes, the interpreter and GX's version: a new install is a new worker.

    Computed once per process (an ingest asks at prewarm and again at its quality stage): a process runs the
    code it imported when it started, so that is the version it must meet; a process started after the code
    changed computes the new version and finds (or starts) a worker of the new code. A worker never asks: its
    socket name, given on its command line, is the version of the client that started it."""
    return _tree_version(Path(__file__).resolve().parent.parent)


def _tree_version(here: Path) -> str:
    """:func:`_code_version` of the packages under ``here`` (uncached)."""
    digest = hashlib.sha256(f"{sys.executable}\0{sys.version}".encode())
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        digest.update(importlib.metadata.version("great_expectations").encode())
    for package in _PACKAGES:
        for path in sorted((here / package).rglob("*.py")):
            info = path.stat()
            digest.update(f"\0{path.relative_to(here)}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return digest.hexdigest()


def _runtime_dir() -> Path:
    """A folder only this user can enter, for the sockets (Unix socket paths are limited to ~100 bytes)."""
    base = os.environ.get("XDG_RUNTIME_DIR") or ""
    usable = base and Path(base).is_dir() and len(base) <= 64  # room for "/kdata/gx-<20 hex>.sock" in 107 bytes
    folder = Path(base) / "kdata" if usable else Path(f"/tmp/kdata-{os.getuid()}")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077:
        raise OSError(f"{folder}: not a private folder of this user (owner {info.st_uid}, mode {info.st_mode:o})")
    return folder


def socket_path(home: Path) -> Path:
    """The worker socket for ``KDATA_HOME`` = ``home`` and this code version."""
    key = hashlib.sha256(f"{Path(home).absolute()}\0{_code_version()}".encode()).hexdigest()[:20]
    return _runtime_dir() / f"gx-{key}.sock"


# -- messages --------------------------------------------------------------------------------------------


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message, ensure_ascii=False, default=str).encode()
    conn.sendall(_HEADER.pack(len(data)) + data)


def _recv_exact(conn: socket.socket, size: int) -> bytes:
    parts = []
    while size:
        part = conn.recv(min(size, 1 << 20))
        if not part:
            raise ConnectionError("the quality worker closed the connection")
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _send_with_fds(conn: socket.socket, message: dict[str, Any], fds: list[int]) -> None:
    """:func:`_send`, passing ``fds`` along with the header (``SCM_RIGHTS``: the receiver gets its own copies)."""
    data = json.dumps(message, ensure_ascii=False, default=str).encode()
    header = _HEADER.pack(len(data))
    sent = socket.send_fds(conn, [header], fds)
    conn.sendall(header[sent:] + data)


def _recv(conn: socket.socket) -> dict[str, Any]:
    return _recv_with_fds(conn, with_fds=False)[0]


def _recv_with_fds(conn: socket.socket, *, with_fds: bool = True) -> tuple[dict[str, Any], list[int]]:
    """A message and the file descriptors that came with its header (none unless ``with_fds``)."""
    fds: list[int] = []
    if with_fds:
        head, fds, _flags, _addr = socket.recv_fds(conn, _HEADER.size, len(_STDIO))
        if not head:
            raise ConnectionError("the connection closed before a message")
        head += _recv_exact(conn, _HEADER.size - len(head))
    else:
        head = _recv_exact(conn, _HEADER.size)
    try:
        (size,) = _HEADER.unpack(head)
        if size > _MAX_MESSAGE:
            raise ConnectionError(f"message of {size} bytes from the quality worker")
        message: dict[str, Any] = json.loads(_recv_exact(conn, size))
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
    return message, fds


# -- client ----------------------------------------------------------------------------------------------


def in_job() -> bool:
    """This process is a job's child of a warm worker (GX, pyarrow and the stages imported)."""
    return _IN_JOB


def _connect(path: Path, timeout: float | None = 1.0) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(timeout)
    try:
        conn.connect(str(path))
    except OSError:
        conn.close()
        return None
    conn.settimeout(None)
    return conn


def _spawn(path: Path, settings: Settings) -> None:
    logs = settings.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / "gx-worker.log", "ab") as out:
        subprocess.Popen(
            [sys.executable, "-m", "kdata.gx_worker", str(path), str(settings.gx_worker_idle_s)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,  # not killed with the caller's process group (a CLI, an Airflow task)
            close_fds=True,
            cwd="/",
        )


def prewarm(settings: Settings) -> bool:
    """Start the worker for ``settings.home`` in the background unless one answers; ``True`` when one is
    (being) started.

    Never raises: a worker that cannot start only means the quality stage imports GX itself.
    """
    if not enabled(settings):
        return False
    try:
        path = socket_path(settings.home)
        conn = _connect(path, timeout=0.5)
        if conn is not None:
            conn.close()
            return True
        _spawn(path, settings)
        return True
    except OSError as error:
        log.warning("quality worker: cannot start (%s); the quality stage will import GX itself", error)
        return False


def _connect_or_start(settings: Settings) -> socket.socket | None:
    path = socket_path(settings.home)
    conn = _connect(path)
    if conn is not None:
        return conn
    _spawn(path, settings)
    deadline = time.monotonic() + _START_WAIT_S
    while time.monotonic() < deadline:
        time.sleep(0.05)
        conn = _connect(path)
        if conn is not None:
            return conn
    return None


def run_quality_job(settings: Settings, job: dict[str, Any], inline: Callable[[], QualitySummary]) -> QualitySummary:
    """Run the quality job in the warm worker and return its summary; ``inline()`` when there is no worker.

    ``job`` holds ``settings`` (JSON) and ``run_id``; the caller's environment and working directory go with
    it. Errors come back as the same :class:`~kcore.errors.KDataError` type (and exit code) the inline run
    raises; a worker that cannot be reached, or dies before it answers, falls back to ``inline()``.
    """
    if not enabled(settings):
        return inline()
    try:
        conn = _connect_or_start(settings)
    except OSError as error:
        conn = None
        log.warning("quality worker: %s", error)
    if conn is None:
        log.warning("quality worker: not reachable; running the quality stage in this process")
        return inline()
    try:
        with conn:
            _send(conn, {"op": "quality", **_caller(), **job})
            reply = _recv(conn)
    except (OSError, ConnectionError, ValueError) as error:
        log.warning("quality worker: lost the job (%s); running the quality stage in this process", error)
        return inline()
    if reply.get("ok"):
        from schemas.run import QualitySummary

        return QualitySummary.model_validate(reply["summary"])
    raise _error_from(reply.get("error") or {})


def _error_from(error: dict[str, Any]) -> BaseException:
    from kcore import errors

    kind = getattr(errors, str(error.get("type", "")), None)
    message = str(error.get("message", "the quality worker failed"))
    if isinstance(kind, type) and issubclass(kind, errors.KDataError):
        return kind(message)
    failure = errors.KDataError(f"quality stage: {error.get('type', 'error')}: {message}")
    return failure


def run_ingest(params: dict[str, Any]) -> int | None:
    """``kdata ingest`` (``params``: its options) in a child of this home's warm worker; its exit code, or
    ``None`` when no worker is ready (the caller runs the ingest itself, which starts one for next time).

    The child starts with everything imported (GX, pandas, pyarrow, DuckDB and our stages), becomes this
    process (environment, folder, umask, arguments, and this process's stdin, stdout and stderr, passed over
    the socket), and runs the quality stage in itself. Signals this process gets (Ctrl-C, SIGTERM, SIGHUP) go
    to the child's process group; a child that dies without an exit code is run again here (an ingest is
    rerun-safe).
    """
    from kcore.config import load_settings
    from kcore.errors import KDataError

    try:
        settings = load_settings()
    except KDataError:
        return None  # the ingest here reports it
    if not enabled(settings):
        return None
    try:
        path = socket_path(settings.home)
        if not _ready_path(path).exists():
            return None  # none yet, or still importing GX: the ingest here prewarms and overlaps it
        conn = _connect(path)
    except OSError:
        return None
    if conn is None:
        return None
    forwarded: list[int] = []
    with conn:
        try:
            fds = [fd for fd in _STDIO if _is_open(fd)]
            job = {"op": "ingest", "params": params, "stdio": fds, **_caller()}
            _send_with_fds(conn, job, fds)
            child = int(_recv(conn)["pid"])
        except (OSError, ConnectionError, ValueError, KeyError) as error:
            log.warning("ingest worker: cannot start the job (%s); ingesting in this process", error)
            return None

        def forward(signum: int, _frame: Any) -> None:  # to the child's process group, as a terminal does
            forwarded.append(signum)
            try:
                os.killpg(child, signum)
            except OSError:
                with contextlib.suppress(OSError):
                    os.kill(child, signum)

        previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            reply: dict[str, Any] | None = _recv(conn)
        except (OSError, ConnectionError, ValueError):
            reply = None
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
    if reply is not None and "exit" in reply:
        return int(reply["exit"])
    if forwarded:
        return 128 + forwarded[0]
    log.warning("ingest worker: the job's process %d ended without an exit code; ingesting in this process", child)
    return None


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _caller() -> dict[str, Any]:
    """What a job's child takes over from the caller: environment, folder, umask, arguments, text encoding."""
    mask = os.umask(0o077)
    os.umask(mask)
    return {
        "env": dict(os.environ),
        "cwd": os.getcwd(),
        "umask": mask,
        "argv": list(sys.argv),
        "encoding": [getattr(stream, "encoding", None) or "utf-8" for stream in (sys.stdin, sys.stdout, sys.stderr)],
    }


def status(home: Path) -> dict[str, Any]:
    """Whether a worker answers for ``home``, and its pid and jobs done."""
    path = socket_path(home)
    conn = _connect(path, timeout=0.5)
    if conn is None:
        return {"running": False, "socket": str(path)}
    with conn:
        _send(conn, {"op": "status"})
        return {"running": True, "socket": str(path), **_recv(conn)}


def stop(home: Path) -> bool:
    """Ask the worker for ``home`` to exit (after its running jobs); ``True`` when one was running."""
    conn = _connect(socket_path(home), timeout=0.5)
    if conn is None:
        return False
    with conn:
        _send(conn, {"op": "stop"})
        with contextlib.suppress(ConnectionError, OSError):
            _recv(conn)
    return True


# -- worker ----------------------------------------------------------------------------------------------


def _warm() -> None:
    """Import what a quality job needs, GX first (the point of the worker)."""
    from quality.gx_runner import _import_gx

    _import_gx()
    import great_expectations.render.renderer.site_builder  # noqa: F401  (Data Docs)

    import kdata.quality_stage  # noqa: F401
    import quality.check  # noqa: F401
    from quality.charts import _render

    _render("warm-up", "warm-up", lambda figure: figure.subplots().bar(["가"], [1]), (2.0, 1.0))  # fonts, SVG
    from quality.report import _template

    _template()  # the summary page's template, compiled once for all jobs
    import tempfile

    from quality.gx_runner import warm_up

    with tempfile.TemporaryDirectory(prefix="kdata-gx-warm-") as folder:
        warm_up(Path(folder))  # a suite with Data Docs: GX's lazy imports, templates compiled once for all jobs


def _warm_ingest() -> None:
    """Import what a whole ingest needs besides GX (its job runs in a child of this process): the CLI,
    stages, stores, catalog. Done once the quality jobs waiting at start are forked (the first ingest's)."""
    import pyarrow as pa
    import pyarrow.parquet

    import catalog.db
    import catalog.register  # noqa: F401
    import ingest.readers  # noqa: F401
    import kdata.cli
    import kdata.lineage
    import kdata.pipeline
    import kdata.progress_rich  # noqa: F401
    import quality.record_checks  # noqa: F401
    import storage.publish  # noqa: F401

    pa.array([0])  # pyarrow's first conversion from Python objects imports its pandas shim


def _become_caller(job: dict[str, Any]) -> None:
    """In a forked child: take the caller's environment, folder and umask (see :func:`_caller`)."""
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in job.get("env", {}).items()})
    time.tzset()
    with contextlib.suppress(OSError):
        os.chdir(job.get("cwd") or "/")
    if isinstance(job.get("umask"), int):
        os.umask(job["umask"])


def _run_job(conn: socket.socket, job: dict[str, Any]) -> None:
    """In a forked child: become the caller (environment, folder), run the stage, answer."""
    from kcore.config import Settings
    from kcore.errors import KDataError

    _become_caller(job)
    try:
        from kdata.quality_stage import quality_summary

        settings = Settings.from_json(job["settings"])
        summary = quality_summary(settings, str(job["run_id"]))
        _send(conn, {"ok": True, "summary": summary.to_json()})
    except KDataError as error:
        _send(conn, {"ok": False, "error": {"type": type(error).__name__, "message": str(error)}})
    except Exception as error:
        log.exception("quality job failed")
        _send(conn, {"ok": False, "error": {"type": type(error).__name__, "message": str(error)}})


def _take_stdio(job: dict[str, Any], fds: list[int]) -> None:
    """In a forked child: the caller's stdin, stdout and stderr become this process's (descriptors and
    Python streams, in the caller's encodings; line-buffered on a terminal), and logging writes there."""
    for target, fd in zip(job.get("stdio", []), fds, strict=True):
        if fd != target:
            os.dup2(fd, target)
            os.close(fd)
    encodings = list(job.get("encoding") or []) + ["utf-8"] * 3
    streams: list[TextIO] = []
    for fd, mode in zip(_STDIO, ("r", "w", "w"), strict=True):
        buffering = 1 if os.isatty(fd) else -1  # line-buffered on a terminal, as Python does
        streams.append(cast("TextIO", open(fd, mode, buffering=buffering, encoding=encodings[fd], closefd=False)))  # noqa: SIM115
    sys.stdin, sys.stdout, sys.stderr = streams
    root = logging.getLogger()
    for handler in list(root.handlers):  # the worker's log file
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)  # as in a fresh `kdata` process: warnings via logging.lastResort, on stderr


def _run_ingest(conn: socket.socket, job: dict[str, Any], fds: list[int]) -> int:
    """In a forked child: become the caller (as :func:`_run_job`, plus its streams and arguments), run
    ``kdata ingest`` here (quality stage included), answer with the exit code; returns it."""
    import threading
    import traceback

    global _IN_JOB
    _IN_JOB = True  # this process has GX: its quality stage runs here
    os.setpgid(0, 0)  # its own process group, with the extract processes it forks: signalled together
    _become_caller(job)
    _take_stdio(job, fds)
    sys.argv = [str(a) for a in job.get("argv") or ["kdata"]]
    signal.signal(signal.SIGINT, signal.default_int_handler)  # the caller forwards Ctrl-C
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_DFL)
    finished = threading.Event()

    def watch_caller() -> None:  # a caller gone without forwarding a signal (SIGKILL): stop as it would have
        with contextlib.suppress(OSError):
            conn.recv(1)
        if not finished.is_set():
            os.killpg(0, signal.SIGTERM)  # this process and its extract processes

    _send(conn, {"pid": os.getpid()})
    threading.Thread(target=watch_caller, daemon=True).start()
    code = 1
    try:
        from kdata.cli import ingest_here

        code = ingest_here(**job["params"])
    except KeyboardInterrupt:
        sys.stderr.write("\nAborted!\n")
        code = 130
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
    finished.set()
    _send(conn, {"exit": code})
    return code


def _ready_path(path: Path) -> Path:
    """Beside the socket while its worker is ready (imports done): a whole ingest goes there then."""
    return path.with_suffix(".ready")


def _wait_text(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit {os.WEXITSTATUS(status)}"


def _peer_uid(conn: socket.socket) -> int:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


def _bind(path: Path) -> socket.socket | None:
    """Listen on ``path``; ``None`` when another worker already does (two clients started one each)."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
    except OSError:
        if _connect(path, timeout=0.5) is not None:
            server.close()
            return None
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # a stale socket of a worker that was killed
        server.bind(str(path))
    os.chmod(path, 0o600)
    server.listen(16)
    return server


def serve(path: Path, idle_s: float) -> None:
    """The worker's loop: accept, fork a child per job, exit after ``idle_s`` without jobs."""
    import fcntl

    with open(path.with_suffix(".lock"), "a") as lock:  # two workers starting at once: one binds
        fcntl.flock(lock, fcntl.LOCK_EX)
        server = _bind(path)
    if server is None:
        return
    _ready_path(path).unlink(missing_ok=True)  # a killed worker's: ingests wait for this one's imports
    log.info("quality worker %s: importing Great Expectations", os.getpid())
    _warm()  # clients that connect meanwhile wait in the listen backlog
    log.info("quality worker %s: ready on %s", os.getpid(), path)
    children: set[int] = set()
    jobs = 0
    last = time.monotonic()
    stopping = False
    ingest_ready = False
    try:
        while not stopping or children:
            if not ingest_ready and not select.select([server], [], [], 0)[0]:
                _warm_ingest()  # after the jobs that waited for GX: the first ingest's quality runs meanwhile
                _ready_path(path).touch(mode=0o600)  # whole ingests come now (run_ingest)
                ingest_ready = True
                log.info("quality worker %s: ready for whole ingests", os.getpid())
            for pid in list(children):
                done, code, usage = os.wait4(pid, os.WNOHANG)
                if done:
                    children.discard(pid)
                    last = time.monotonic()
                    log.info(
                        "quality worker %s: job process %d ended (%s), peak RSS %d MiB",
                        os.getpid(),
                        pid,
                        _wait_text(code),
                        usage.ru_maxrss // 1024,
                    )
            if not children and not stopping and time.monotonic() - last > idle_s:
                break
            ready, _, _ = select.select([server], [], [], 0.5)
            if not ready or stopping:
                continue
            conn, _ = server.accept()
            if _peer_uid(conn) != os.getuid():
                conn.close()
                continue
            try:
                message, fds = _recv_with_fds(conn)
            except (ConnectionError, OSError, ValueError):
                conn.close()
                continue
            op = message.get("op")
            if op == "status":
                _send(conn, {"pid": os.getpid(), "jobs": jobs, "active": len(children)})
            elif op == "stop":
                stopping = True
                _send(conn, {"stopping": True})
            elif op in ("quality", "ingest"):
                jobs += 1
                pid = os.fork()
                if pid:
                    log.info("quality worker %s: %s job %d in process %d", os.getpid(), op, jobs, pid)
                if pid == 0:  # the child: GX already imported
                    server.close()
                    code = 0
                    try:
                        if op == "ingest":
                            code = _run_ingest(conn, message, fds)
                        else:
                            _run_job(conn, message)
                    except BaseException:
                        code = 1
                    finally:
                        conn.close()
                        os._exit(code)
                children.add(pid)
            for fd in fds:
                os.close(fd)
            conn.close()
            last = time.monotonic()
    finally:
        server.close()
        _ready_path(path).unlink(missing_ok=True)
        with contextlib.suppress(FileNotFoundError):
            if path.is_socket():
                path.unlink()
            path.with_suffix(".lock").unlink()  # a worker starting now makes it again
        log.info("quality worker %s: stopped after %d jobs", os.getpid(), jobs)


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    if len(argv) > 1:
        idle = float(argv[1])
    else:
        from kcore.config import load_settings

        idle = load_settings().gx_worker_idle_s
    serve(Path(argv[0]), idle)


if __name__ == "__main__":
    from kdata import gx_worker  # the module the stages import (not this __main__ copy): one _IN_JOB

    gx_worker.main(sys.argv[1:])
