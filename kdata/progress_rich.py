"""The live terminal display of ``kdata ingest``: one line per stage (spinner, then ✓ and its time), the
extract line with a bar over the label archives' bytes, archives and members done, rows, rate and ETA.

Implements :class:`ingest.progress.Progress`; the CLI uses it only when stdout and stderr are terminals and
neither ``--json`` nor ``--no-progress`` is given. It draws on stderr, so stdout keeps only the result.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.progress import Progress as Display
from rich.text import Text

from ingest.progress import STAGE_LABELS, NullProgress, Progress, Tally, format_bytes, unit_summary_text

__all__ = ["RichProgress", "terminal_progress"]


class _ExtractOnly(ProgressColumn):
    """A column drawn only on the extract line (the only one counting bytes)."""

    def __init__(self, inner: ProgressColumn) -> None:
        super().__init__()
        self.inner = inner

    def render(self, task: Task) -> Any:
        return self.inner.render(task) if task.fields.get("bytes") else Text("")


class _Display(Display):
    """The stages' table, then (while the extract runs) its counts on a line of their own, so that the
    table stays narrow enough for an 80-column terminal."""

    status = ""

    def get_renderables(self) -> Iterator[Any]:
        yield self.make_tasks_table(self.tasks)
        if self.status:
            yield Text("  " + self.status, style="cyan")


class RichProgress:
    """:class:`ingest.progress.Progress` as a rich live display; use as a context manager."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.display = _Display(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            _ExtractOnly(BarColumn(bar_width=20)),
            _ExtractOnly(DownloadColumn()),
            _ExtractOnly(TransferSpeedColumn()),
            _ExtractOnly(TimeRemainingColumn()),
            TimeElapsedColumn(),
            console=self.console,
            refresh_per_second=5,
        )
        self.tally = Tally()
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self.display.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.display.stop()

    def stage(self, name: str, *, archives: int = 0, total_bytes: int = 0) -> None:
        counted = bool(total_bytes) or name == "extract"  # a bar over bytes (plan: hashing, extract: reading)
        if not self.tally.begin(name, archives, total_bytes) and name in self._tasks:
            self.display.update(self._tasks[name], total=total_bytes, bytes=counted)  # the totals came later
        else:
            label = STAGE_LABELS.get(name, name)
            self._tasks[name] = self.display.add_task(label, total=total_bytes if counted else None, bytes=counted)
        self._refresh()

    def archive_hashed(self, size: int) -> None:
        self.tally.hashed(size)
        self._refresh()

    def archive(self, name: str, size: int) -> None:
        self.tally.archive(name, size)
        self._refresh()

    def member(self, compressed: int) -> None:
        self.tally.member(compressed)
        self._refresh()

    def rows(self, count: int) -> None:
        self.tally.add_rows(count)
        self._refresh()

    def archive_done(self, name: str, size: int, summary: Mapping[str, Any]) -> None:
        self.tally.archive_done(name, size, summary)
        self.display.console.print(f"  [dim]{unit_summary_text(name, summary)}[/]", highlight=False)
        self._refresh()

    def stage_done(self, name: str, summary: str = "") -> None:
        task = self._tasks.get(name)
        if task is None:
            return
        elapsed = self.display.tasks[self._task_index(task)].elapsed or 0.0
        parts = [STAGE_LABELS.get(name, name)]
        if self.tally.total_bytes or name == "extract":
            parts.append(self._detail())
        if summary:
            parts.append(summary)
        if self.tally.total_bytes:
            parts.append(format_bytes(self.tally.total_bytes))
        self.display.status = ""
        parts.append(f"{elapsed:.1f} s")
        # a finished stage leaves the live display for a line of its own (narrow terminals keep room)
        self.display.remove_task(task)
        self.display.console.print("[green]✓[/] " + " · ".join(parts), highlight=False)

    def _task_index(self, task: TaskID) -> int:
        return next(i for i, t in enumerate(self.display.tasks) if t.id == task)

    def _detail(self) -> str:
        t = self.tally
        if t.stage != "extract":
            return f"압축파일 archives {t.archives_done}/{t.archives} 해시 hashed"
        return f"압축파일 archives {t.archives_done}/{t.archives} · 파일 members {t.members:,} · 행 rows {t.rows:,}"

    def _refresh(self) -> None:
        task = self._tasks.get(self.tally.stage)
        if task is None or (not self.tally.total_bytes and self.tally.stage != "extract"):
            return
        self.display.status = self._detail()
        self.display.update(task, completed=min(self.tally.bytes, self.tally.total_bytes))


@contextmanager
def terminal_progress(enabled: bool) -> Iterator[Progress]:
    """A :class:`RichProgress` while it runs when ``enabled`` and both stdout and stderr are terminals,
    else :class:`ingest.progress.NullProgress` (piped output, ``--json``, ``--no-progress``)."""
    if not (enabled and sys.stdout.isatty() and sys.stderr.isatty()):
        yield NullProgress()
        return
    with RichProgress() as progress:
        yield progress
