"""kcore.forked: a function run in a forked child gives back its value, or a ForkedFailed that says why
(it raised, it died, it was killed); a child whose result is not wanted is stopped and reaped."""

from __future__ import annotations

import os
import signal
import time

import pytest

from kcore.forked import Forked, ForkedFailed


def _square_and_pid(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def _raise() -> None:
    raise ValueError("no such column 'label'")


def _die() -> None:
    os._exit(7)


def _killed() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _sleep() -> None:
    time.sleep(60)


def _unpicklable() -> object:
    return lambda: None


def test_the_value_comes_back_from_another_process() -> None:
    with Forked(_square_and_pid, 12) as child:
        value, pid = child.result()
    assert value == 144 and pid != os.getpid()
    with pytest.raises(ForkedFailed, match="result was taken"):
        child.result()


@pytest.mark.parametrize(
    ("fn", "says"),
    [
        (_raise, "_raise: ValueError: no such column 'label'"),
        (_die, "ended without a result \\(exit 7\\)"),
        (_killed, "ended without a result \\(signal SIGKILL\\)"),
        (_unpicklable, "_unpicklable: .*pickle"),
    ],
)
def test_a_child_that_fails_says_how(fn: object, says: str) -> None:
    with Forked(fn) as child, pytest.raises(ForkedFailed, match=says):  # type: ignore[arg-type]
        child.result()


def test_close_stops_and_reaps_a_child_still_running() -> None:
    child = Forked(_sleep)
    pid = child._pid
    assert pid is not None
    started = time.monotonic()
    child.close()
    assert time.monotonic() - started < 30  # did not wait for the minute-long sleep
    with pytest.raises(ChildProcessError):  # reaped: no zombie left behind
        os.waitpid(pid, os.WNOHANG)


def test_a_fork_refused_by_the_system_raises_and_leaves_no_pipe_open(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    before = len(os.listdir("/proc/self/fd"))
    monkeypatch.setattr(os, "fork", refuse)
    with pytest.raises(OSError, match="temporarily unavailable"):
        Forked(_square_and_pid, 3)
    assert len(os.listdir("/proc/self/fd")) == before


def test_the_quality_stage_draws_the_charts_itself_when_it_cannot_fork(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from quality import check

    def refuse(*args: object) -> None:
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(check, "Forked", refuse)
    with caplog.at_level("WARNING", logger="quality.check"), check._fork_profile(None, None, None) as drawn:  # type: ignore[arg-type]
        assert drawn is None  # no child: _take_profile computes the profile here
    assert "cannot fork" in caplog.text and "Cannot allocate memory" in caplog.text
