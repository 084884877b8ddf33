"""A warm Great Expectations worker: the quality stage without paying GX's import on every ingest. This
module is the client side (start, find and talk to the worker; the socket and its messages); the worker's
process is :mod:`kdata.gx_worker_main`.

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
import signal
import socket
import stat
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kcore.config import Settings
    from schemas.run import QualitySummary

__all__ = ["enabled", "prewarm", "run_ingest", "run_quality_job", "socket_path", "status", "stop", "takes_ingests"]

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


def enter_job() -> None:
    """Mark this process as a job's child (:mod:`kdata.gx_worker_main` calls it after the fork): its stages
    run here, none is sent to a worker, and it may fork helpers (:func:`kcore.forked.allow`)."""
    from kcore import forked

    global _IN_JOB
    _IN_JOB = True
    forked.allow()


def _ready_path(path: Path) -> Path:
    """Beside the socket while its worker is ready (imports done): a whole ingest goes there then."""
    return path.with_suffix(".ready")


def takes_ingests(home: Path) -> bool:
    """The warm worker of ``home`` has done its imports and takes whole ingests (:func:`run_ingest`)."""
    return _ready_path(socket_path(home)).exists()


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
            [sys.executable, "-m", "kdata.gx_worker_main", str(path), str(settings.gx_worker_idle_s)],
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
        if not takes_ingests(settings.home):
            return None  # none yet, or still importing GX: the ingest here prewarms and overlaps it
        conn = _connect(socket_path(settings.home))
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
