"""The warm worker's process (``python -m kdata.gx_worker_main``, started by :mod:`kdata.gx_worker`): import
Great Expectations and what an ingest needs once, then fork a child per job.

A quality job's child runs the quality stage of a run and answers with its summary; an ingest job's child
takes over the caller (environment, folder, umask, arguments and its stdin, stdout and stderr, received over
the socket), runs ``kdata ingest`` with its quality stage in itself and answers with the exit code. The
client side, the socket and the messages are in :mod:`kdata.gx_worker`; this module is above the stages
and the CLI it runs (the client is imported by them).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import socket
import struct
import sys
import time
from pathlib import Path
from typing import Any, TextIO, cast

from kdata import gx_worker
from kdata.gx_worker import _STDIO, _connect, _ready_path, _recv_with_fds, _send

__all__ = ["main", "serve"]

log = logging.getLogger("kdata.gx_worker")


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
    stages, stores, catalog. Done once the quality jobs waiting at start are forked (the first ingest's).
    Whatever a job would import on its way is imported here (a job's imports die with it): the extract
    pool's modules, and ``pyarrow.dataset``, which DuckDB imports at its first Arrow scan (~20 ms)."""
    import concurrent.futures.process  # noqa: F401  (the extract pool)
    import encodings.utf_8_sig  # noqa: F401
    import importlib
    import multiprocessing.popen_fork
    import multiprocessing.queues  # noqa: F401
    import pkgutil

    import pyarrow as pa
    import pyarrow.dataset
    import pyarrow.parquet
    import pyarrow.substrait

    import catalog.card
    import catalog.db
    import catalog.register  # noqa: F401
    import ingest.fingerprint
    import ingest.readers
    import ingest.source_index
    import kdata.cli
    import kdata.lineage
    import kdata.pipeline
    import kdata.progress_rich  # noqa: F401
    import quality.record_checks
    import quality.suites
    import storage.local
    import storage.publish  # noqa: F401
    from schemas.kinds import kinds

    for found in pkgutil.iter_modules(quality.suites.__path__):  # each schema's suite, loaded by name per job
        importlib.import_module(f"quality.suites.{found.name}")
    for found in pkgutil.iter_modules(ingest.readers.__path__):  # each kind's reader (msgspec, pyarrow.json)
        importlib.import_module(f"ingest.readers.{found.name}")
    import ingest.mapping.engine  # dataset.yaml label mappings

    pa.array([0])  # pyarrow's first conversion from Python objects imports its pandas shim
    kinds()  # the kinds' registry (entry points scanned once; a kind installed since is found on a miss)


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

    gx_worker.enter_job()  # a warm worker's child: its stages run here, and may fork helpers (kcore.forked)
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

    gx_worker.enter_job()  # this process has GX: its quality stage runs here
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
                    log.info(  # rusage of the job with the processes it reaped (extract, forked helpers)
                        "quality worker %s: job process %d ended (%s), peak RSS %d MiB, CPU %.2f s",
                        os.getpid(),
                        pid,
                        _wait_text(code),
                        usage.ru_maxrss // 1024,
                        usage.ru_utime + usage.ru_stime,
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
    from kdata import gx_worker_main  # the module, not this __main__ copy (one set of globals)

    gx_worker_main.main(sys.argv[1:])
