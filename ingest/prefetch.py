"""Work on the next item in a helper thread while the caller handles the current one, in order.

Arrow releases the GIL, so a helper thread computing the next label file's table (or the next table's
checks) keeps the second core busy while this thread checks and writes the one before: one process,
two cores, and the output order (rows, problems, tallies) is the input order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["one_ahead"]

T = TypeVar("T")
R = TypeVar("R")


def one_ahead(
    items: Iterable[T], work: Callable[[T], R], *, inline: Callable[[T], bool], name: str
) -> Iterator[tuple[T, Future[R] | None]]:
    """``(item, future of work(item))`` in input order, ``work`` for the next item already running in one
    helper thread. An item for which ``inline(item)`` is true gets no work (``None``) and comes after
    every item before it, before the next item is pulled from ``items`` (so a stream it holds is
    still open while the caller reads it). Stopping early waits for the work in flight."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) as helper:
        waiting: deque[tuple[T, Future[R]]] = deque()
        for item in items:
            if inline(item):
                while waiting:
                    yield waiting.popleft()
                yield item, None
                continue
            waiting.append((item, helper.submit(work, item)))
            if len(waiting) > 1:
                yield waiting.popleft()
        while waiting:
            yield waiting.popleft()
