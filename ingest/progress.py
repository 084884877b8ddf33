"""Progress of an ingest while it runs: one small interface the stages report to, passed down as an
argument (no globals).

The stages call, in order: :meth:`Progress.stage` (``plan``, ``extract``, ``quality``, ``publish``,
``register``; ``extract`` with the number and bytes of its label archives), per archive
:meth:`Progress.archive`, then per member read :meth:`Progress.member` (its compressed size) and per
batch of finished rows :meth:`Progress.rows`, :meth:`Progress.archive_done` with the archive's summary
(rows, chunks, problems), and :meth:`Progress.stage_done`. Calls may come from a helper thread.

Implementations: :class:`NullProgress` (silent), :class:`LogProgress` (lines in a log at an interval and a
one-line summary per archive and stage: Airflow task logs) and ``kdata.progress_rich.RichProgress`` (the
live terminal display of ``kdata ingest``). This module imports nothing heavy.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol

__all__ = ["STAGE_LABELS", "LogProgress", "NullProgress", "Progress", "Tally", "format_bytes", "unit_summary_text"]

STAGE_LABELS: dict[str, str] = {
    "plan": "계획 plan",
    "extract": "추출 extract",
    "quality": "품질검증 quality",
    "publish": "게시 publish",
    "register": "등록 register",
}
"""Korean first, English beside: how each stage is named in progress output."""


class Progress(Protocol):
    """What the ingest stages report; every method is cheap and never raises."""

    def stage(self, name: str, *, archives: int = 0, total_bytes: int = 0) -> None:
        """A stage begins (``extract`` gives the number of label archives and their bytes on disk; without
        them, the totals are learnt from each archive as it begins)."""

    def archive_hashed(self, size: int) -> None:
        """The plan fingerprinted one more archive (``size``: its bytes on disk)."""

    def archive(self, name: str, size: int) -> None:
        """Reading one label archive begins (``size``: its bytes on disk, all pieces)."""

    def member(self, compressed: int) -> None:
        """One member of the current archive was opened (``compressed``: its size inside the archive)."""

    def rows(self, count: int) -> None:
        """``count`` more rows were checked and handed to the chunk writer."""

    def archive_done(self, name: str, size: int, summary: Mapping[str, Any]) -> None:
        """An archive is finished: ``summary`` has ``rows``, ``chunks`` and ``problems`` (and ``members``, the
        label files read, when another process extracted it)."""

    def stage_done(self, name: str, summary: str = "") -> None:
        """A stage is finished; ``summary`` is one short line (may be empty)."""


class NullProgress:
    """Reports nothing (``--json``, ``--no-progress``, no terminal, library callers)."""

    def stage(self, name: str, *, archives: int = 0, total_bytes: int = 0) -> None:
        return None

    def archive_hashed(self, size: int) -> None:
        return None

    def archive(self, name: str, size: int) -> None:
        return None

    def member(self, compressed: int) -> None:
        return None

    def rows(self, count: int) -> None:
        return None

    def archive_done(self, name: str, size: int, summary: Mapping[str, Any]) -> None:
        return None

    def stage_done(self, name: str, summary: str = "") -> None:
        return None


def format_bytes(size: float) -> str:
    """``1536`` → ``1.5 KiB``: sizes in progress lines."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(size) < 1024 or unit == "TiB":
            return f"{size:,.0f} {unit}" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} TiB"  # pragma: no cover - the loop returns


def unit_summary_text(name: str, summary: Mapping[str, Any]) -> str:
    """One line for a finished archive: ``TL_1.zip: rows 1,200 · chunks 3 · problems 0``."""
    return (
        f"{name}: 행 rows {int(summary.get('rows', 0)):,} · 청크 chunks {int(summary.get('chunks', 0)):,} · "
        f"문제 problems {int(summary.get('problems', 0)):,}"
    )


class Tally:
    """The counts of one stage (archives, members, bytes, rows), safe to update from several threads;
    what :class:`LogProgress` and the terminal display show."""

    stage: str
    started: float
    archives: int
    total_bytes: int
    archives_done: int
    bytes: int
    members: int
    rows: int

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.lock = threading.Lock()
        self.reset("", 0, 0)

    def begin(self, stage: str, archives: int, total_bytes: int) -> bool:
        """Start ``stage``, or give the running one its totals (a stage may begin before they are known);
        ``True`` when the stage is new."""
        if stage == self.stage and not self.archives and archives:
            with self.lock:
                self.archives, self.total_bytes, self._learn = archives, total_bytes, False
            return False
        self.reset(stage, archives, total_bytes)
        return True

    def reset(self, stage: str, archives: int, total_bytes: int) -> None:
        self.stage = stage
        self.started = self.clock()
        self.archives, self.total_bytes = archives, total_bytes
        self._learn = not archives  # totals not given: learnt from each archive as it begins
        self.archives_done = self.bytes = self.members = self.rows = 0
        self._per_archive: dict[str, int] = {}
        self._current = ""

    def archive(self, name: str, size: int) -> None:
        with self.lock:
            self._learn_totals(size)
            self._current = name
            self._per_archive[name] = 0

    def member(self, compressed: int) -> None:
        with self.lock:
            self.members += 1
            self.bytes += compressed
            if self._current:
                self._per_archive[self._current] = self._per_archive.get(self._current, 0) + compressed

    def hashed(self, size: int) -> None:
        with self.lock:
            self.archives_done += 1
            self.bytes += size

    def add_rows(self, count: int) -> None:
        with self.lock:
            self.rows += count

    def archive_done(self, name: str, size: int, summary: Mapping[str, Any]) -> None:
        with self.lock:
            if name not in self._per_archive:  # read elsewhere (a worker process, or an earlier attempt)
                self._learn_totals(size)
                self.rows += int(summary.get("rows", 0))
                self.members += int(summary.get("members", 0))
            self.bytes += max(0, size - self._per_archive.pop(name, 0))  # members not read (sources, media)
            self.archives_done += 1

    def _learn_totals(self, size: int) -> None:
        if self._learn:
            self.archives += 1
            self.total_bytes += size

    @property
    def elapsed(self) -> float:
        return max(self.clock() - self.started, 1e-9)

    @property
    def percent(self) -> float:
        return min(100.0, 100.0 * self.bytes / self.total_bytes) if self.total_bytes else 0.0

    def line(self) -> str:
        """``추출 extract · 압축파일 archives 1/2 · 파일 members 40 · 1.2 MiB/2.0 MiB (60%) · 행 rows 800 · …``"""
        rate = self.bytes / self.elapsed
        parts = [STAGE_LABELS.get(self.stage, self.stage)]
        if self.archives:
            parts.append(f"압축파일 archives {self.archives_done}/{self.archives}")
        if self.stage == "extract":
            parts.append(f"파일 members {self.members:,}")
        if self.total_bytes:
            parts.append(f"{format_bytes(self.bytes)}/{format_bytes(self.total_bytes)} ({self.percent:.0f}%)")
        else:
            parts.append(format_bytes(self.bytes))
        if self.stage == "extract":
            parts.append(f"행 rows {self.rows:,}")
        parts.append(f"{format_bytes(rate)}/s")
        if self.total_bytes and rate > 0 and self.bytes < self.total_bytes:
            parts.append(f"남은 시간 ETA {(self.total_bytes - self.bytes) / rate:.0f} s")
        return " · ".join(parts)


class LogProgress:
    """Progress as log lines: at most one line per ``interval_s`` seconds, or when the extract crosses
    another ``every_percent`` of its bytes; a line when each stage starts and ends and one summary line
    per archive. For Airflow task logs (and anything else that is not a terminal)."""

    def __init__(
        self,
        log: logging.Logger,
        *,
        interval_s: float = 10.0,
        every_percent: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log = log
        self.interval_s = interval_s
        self.every_percent = every_percent
        self.tally = Tally(clock)
        self._last = self.tally.started
        self._last_percent = 0.0

    def stage(self, name: str, *, archives: int = 0, total_bytes: int = 0) -> None:
        new = self.tally.begin(name, archives, total_bytes)
        if new:
            self._last, self._last_percent = self.tally.started, 0.0
        totals = f": 압축파일 archives {archives:,}, {format_bytes(total_bytes)}" if archives else ""
        self.log.info("%s %s%s", STAGE_LABELS.get(name, name), "시작 started" if new else "전체 totals", totals)

    def archive_hashed(self, size: int) -> None:
        self.tally.hashed(size)
        self._maybe_log()

    def archive(self, name: str, size: int) -> None:
        self.tally.archive(name, size)

    def member(self, compressed: int) -> None:
        self.tally.member(compressed)
        self._maybe_log()

    def rows(self, count: int) -> None:
        self.tally.add_rows(count)
        self._maybe_log()

    def archive_done(self, name: str, size: int, summary: Mapping[str, Any]) -> None:
        self.tally.archive_done(name, size, summary)
        done, total = self.tally.archives_done, self.tally.archives
        self.log.info("%s %d/%d · %s", STAGE_LABELS["extract"], done, total, unit_summary_text(name, summary))
        self._maybe_log()

    def stage_done(self, name: str, summary: str = "") -> None:
        tail = f": {summary}" if summary else ""
        self.log.info("%s 완료 done in %.1f s%s", STAGE_LABELS.get(name, name), self.tally.elapsed, tail)

    def _maybe_log(self) -> None:
        with self.tally.lock:
            now = self.tally.clock()
            percent = self.tally.percent
            due = now - self._last >= self.interval_s
            crossed = self.every_percent > 0 and percent - self._last_percent >= self.every_percent
            if not (due or crossed):
                return
            self._last = now
            if crossed:
                self._last_percent = percent - percent % self.every_percent
        self.log.info("%s", self.tally.line())
