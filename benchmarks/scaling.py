"""Scaling: ingest time for 1x, 2x and 4x the data (linear = time ratios 2.0 and 4.0), with 1 and 2 workers.

Inputs: Korean dialogue samples (fixed seed, 1,000 dialogues per label file) of ``BENCH_SCALE_MB``
(default 40) MB of label JSON and twice and four times that. Each cell is the median of 3 runs of
``kdata.pipeline.ingest(settings, path, workers=n)`` in a fresh child process (``workers`` > 1
extracts the label archives in that many processes). Reproduce: ``.venv/bin/python -m benchmarks scaling``.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

from benchmarks.stages import ingest_child, korean_dialogue, remove_dataset

__all__ = ["run", "section"]

SEED = 20261125
BYTES_PER_DIALOGUE = 4000
FACTORS = (1, 2, 4)
WORKERS = (1, 2)


def run(work: Path, base_mb: float | None = None, runs: int | None = None, keep: bool | None = None) -> dict[str, Any]:
    """Every size with every worker count, ``runs`` times each; medians."""
    base_mb = float(os.environ.get("BENCH_SCALE_MB", "40")) if base_mb is None else base_mb
    runs = int(os.environ.get("BENCH_SCALE_RUNS", "3")) if runs is None else runs
    keep = bool(os.environ.get("BENCH_WORK")) if keep is None else keep
    cells = []
    folders = []
    try:
        for factor in FACTORS:
            items = max(100, round(base_mb * factor * 1e6 / BYTES_PER_DIALOGUE))
            folder = work / f"dialogue-{base_mb * factor:g}MB"
            folders.append(folder)
            dataset, info = korean_dialogue(folder, items=items, seed=SEED, dialogues_per_file=1000)
            mb = info["label_bytes"] / 1e6
            for workers in WORKERS:
                times = [
                    float(ingest_child(dataset, work, workers=workers, stages=False)["seconds"]) for _ in range(runs)
                ]
                seconds = float(statistics.median(times))
                cells.append(
                    {
                        "factor": factor,
                        "workers": workers,
                        "items": items,
                        "label_mb": round(mb, 1),
                        "seconds": round(seconds, 2),
                        "runs": [round(t, 2) for t in times],
                        "mb_s": round(mb / seconds, 1),
                    }
                )
    finally:
        if not keep:
            for folder in folders:
                remove_dataset(folder)
    for cell in cells:
        base = next(c for c in cells if c["factor"] == 1 and c["workers"] == cell["workers"])
        single = next(c for c in cells if c["factor"] == cell["factor"] and c["workers"] == 1)
        cell["ratio"] = round(cell["seconds"] / base["seconds"], 2)
        cell["speedup"] = round(single["seconds"] / cell["seconds"], 2)
    return {"base_mb": base_mb, "runs": runs, "cells": cells, "cpus": os.cpu_count()}


def section(result: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    rows = "".join(
        f"| {c['factor']}x | {c['label_mb']} | {c['items']:,} | {c['workers']} | {c['seconds']} | {c['mb_s']} | "
        f"{c['ratio']:.2f} (linear {c['factor']:.1f}) | {c['speedup']:.2f} |\n"
        for c in sorted(result["cells"], key=lambda c: (c["workers"], c["factor"]))
    )
    return (
        "## Scaling with input size and workers (`benchmarks/scaling.py`)\n\n"
        "Reproduce: `.venv/bin/python -m benchmarks scaling` "
        f"(BENCH_SCALE_MB={result['base_mb']:g}; set BENCH_WORK to keep the generated inputs).\n\n"
        "| data | label JSON MB | dialogues | workers | seconds (median of "
        f"{result['runs']}) | MB/s | time ratio vs 1x | speed-up vs 1 worker |\n"
        f"|---|---|---|---|---|---|---|---|\n{rows}\n"
        "Each cell: `kdata.pipeline.ingest(settings, path, workers=n)` in a fresh child process (KDATA_HOME "
        "in the work folder), timed around the call (imports excluded). Inputs: `write_korean_dialogue` "
        f"(seed {SEED}, 1,000 dialogues per label file, 2-3 topic archives per split). With `workers` > 1 the "
        "label archives are extracted in that many processes; plan, quality, publish and register stay in "
        f"one. The machine has {result['cpus']} cores.\n"
    )
