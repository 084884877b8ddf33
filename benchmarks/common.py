"""Shared helpers: medians, peak RSS of a child process, the machine description, the results file."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["RESULTS", "machine", "median_time", "run_child"]

RESULTS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}"


def median_time(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, list[float]]:
    """Median wall time of ``repeat`` runs (never the best of many)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def run_child(code: str, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run Python code in a child process; returns (seconds, peak RSS MiB of that child, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: run the biggest last or read it per call.
    return elapsed, max(peak, before) / 1024, proc.stdout


def dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
