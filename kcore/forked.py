"""Run one function in a forked child while this process goes on, and take its result back.

Some stages are one busy core (the plan's safety check; Great Expectations, then the charts): on a 2-core
host the other core idles. :class:`Forked` puts an independent part of the work on that core (half the
safety check; the charts' profile and drawing): the child is a fork, so it starts with everything imported
and nothing to pickle in, and its result comes back pickled over a pipe.

Fork only where it is known to be safe: a process forked from the warm worker (everything imported, no
DuckDB or Arrow thread pool of its own yet), which says so with :func:`allow` (:func:`allowed` answers).
Elsewhere callers run the function inline; lower layers are told (``fork=``), they do not ask. The child never
runs this process's exit handlers or flushes its buffers (``os._exit``); it is in the same process group,
so whoever stops the job stops it too.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["Forked", "ForkedFailed", "allow", "allowed"]

T = TypeVar("T")

_ALLOWED = False


def allow() -> None:
    """Say that this process may fork (the warm worker's job child: everything imported, no thread pool of
    DuckDB or Arrow started yet); its children inherit the answer."""
    global _ALLOWED
    _ALLOWED = True


def allowed() -> bool:
    """:func:`allow` was called in this process (or the one it was forked from)."""
    return _ALLOWED


class ForkedFailed(Exception):
    """The forked child raised, died or was stopped before it returned a result (the message says which)."""


class Forked(Generic[T]):
    """``fn(*args)`` in a forked child; :meth:`result` waits for it. Use as a context manager (or call
    :meth:`close`) so that a child whose result is not wanted is stopped and reaped."""

    def __init__(self, fn: Callable[..., T], *args: Any) -> None:
        self._name = getattr(fn, "__qualname__", repr(fn))
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no process to be had (EAGAIN, ENOMEM): the caller does the work itself
            os.close(read)
            os.close(write)
            raise
        if pid == 0:  # the child: compute, send, leave without running the parent's exit handlers
            try:
                os.close(read)
                try:
                    payload = pickle.dumps((True, fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
                except BaseException as error:  # any failure is the parent's to report
                    payload = pickle.dumps((False, f"{type(error).__name__}: {error}"))
                with os.fdopen(write, "wb") as out:
                    out.write(payload)
            finally:
                os._exit(0)
        os.close(write)
        self._pid: int | None = pid
        self._read: int | None = read

    def result(self) -> T:
        """The function's return value; :class:`ForkedFailed` if it raised or the child ended without one."""
        if self._read is None or self._pid is None:
            raise ForkedFailed(f"{self._name}: its result was taken or the child was stopped")
        with os.fdopen(self._read, "rb") as stream:
            self._read = None
            data = stream.read()
        status = self._reap()
        if not data:
            raise ForkedFailed(f"{self._name}: the forked child ended without a result ({_describe(status)})")
        ok, value = pickle.loads(data)
        if not ok:
            raise ForkedFailed(f"{self._name}: {value}")
        return value

    def close(self) -> None:
        """Stop the child if it is still running and reap it (nothing if :meth:`result` did)."""
        if self._read is not None:
            os.close(self._read)
            self._read = None
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):  # already ended: reaped below
                os.kill(self._pid, signal.SIGKILL)
            self._reap()

    def _reap(self) -> int:
        pid, self._pid = self._pid, None
        if pid is None:
            return 0
        try:
            return os.waitpid(pid, 0)[1]
        except ChildProcessError:  # reaped by someone else (a SIGCHLD handler)
            return 0

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit {os.waitstatus_to_exitcode(status)}"
