"""Soak: many small ingests in a row in one process; does anything grow that should not?

Each ingest is a new small dataset (its own ``dataset_id``) through :func:`kdata.pipeline.ingest`, the
work of one DAG run, into one KDATA_HOME. Every ``every`` ingests it records the catalog's size on disk,
the open file descriptors of this process (``/proc/self/fd``) and its resident memory, so leaks show as
growth: file handles should stay flat, memory should level off, and the catalog should grow by far
less than one DuckDB block (256 KiB) per small dataset (before migration 0006 the ``pii_findings``
table took a new block in both the catalog and its snapshot on every ingest: 118 MiB after 200).

``python -m benchmarks soak`` (part of ``make bench``; ``SOAK_N`` sets the count, default 200).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["Sample", "open_fds", "rss_mib", "run"]

SOAK_ENV = {
    "KDATA_CHUNK_BYTES": "40000",
    "KDATA_ROW_GROUP_BYTES": "10000",
    "KDATA_USER": "soak",
    "KDATA_ADMINS": "soak",
    # the soak is about this process (GX's memory in it included); and a test must not leave a worker behind
    "KDATA_GX_WORKER": "off",
}


@dataclass(frozen=True)
class Sample:
    """The process and the catalog after ``ingests`` ingests."""

    ingests: int
    catalog_bytes: int
    open_fds: int
    rss_mib: float
    seconds_per_ingest: float
    """Mean wall time of the ingests since the previous sample."""


def open_fds() -> int:
    """File descriptors this process has open."""
    return len(os.listdir("/proc/self/fd"))


def rss_mib() -> float:
    """Resident memory of this process in MiB (``VmRSS``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _catalog_bytes(home: Path) -> int:
    return sum(p.stat().st_size for p in home.glob("catalog.*") if p.is_file())


def run(
    n: int, work: Path, *, every: int = 20, items: int = 20, report: Callable[[Sample], None] | None = None
) -> list[Sample]:
    """Ingest ``n`` new datasets one after another; a :class:`Sample` after the first and every ``every``."""
    from kcore.config import load_settings
    from kdata import pipeline
    from kdata.samples.korean_dialogue import write_korean_dialogue

    home = work / "home"
    settings = load_settings({"KDATA_HOME": str(home), **SOAK_ENV})
    samples: list[Sample] = []
    last_time, last_count = time.perf_counter(), 0
    for i in range(1, n + 1):
        folder = write_korean_dialogue(work / f"ds-{i:04d}", items=items, seed=i, dataset_id=f"soak-{i:04d}")
        result = pipeline.ingest(settings, str(folder))
        if result["status"] != "published" or result["already_published"]:
            raise RuntimeError(f"soak ingest {i} did not publish a new version: {result}")
        if i == 1 or i % every == 0 or i == n:
            now = time.perf_counter()
            sample = Sample(
                i, _catalog_bytes(home), open_fds(), round(rss_mib(), 1), (now - last_time) / (i - last_count)
            )
            last_time, last_count = now, i
            samples.append(sample)
            if report is not None:
                report(sample)
    return samples


def print_sample(sample: Sample) -> None:
    print(
        f"soak {sample.ingests:4d} ingests: catalog {sample.catalog_bytes / 1024**2:7.1f} MiB, "
        f"open fds {sample.open_fds:4d}, RSS {sample.rss_mib:7.1f} MiB, "
        f"{sample.seconds_per_ingest:5.2f} s/ingest",
        flush=True,
    )


def summary(samples: list[Sample]) -> dict[str, Any]:
    """First and last sample and the growth ratios the soak is about."""
    first, last = samples[0], samples[-1]
    return {
        "ingests": last.ingests,
        "samples": [asdict(s) for s in samples],
        "fd_growth": last.open_fds - first.open_fds,
        "rss_ratio": round(last.rss_mib / first.rss_mib, 2),
        "catalog_bytes_per_dataset": round(
            (last.catalog_bytes - first.catalog_bytes) / max(last.ingests - first.ingests, 1)
        ),
    }
