"""Quality stage cost: the quality checks' share of ingest time on a million records (target ≤ 35 %).

Input: ``BENCH_QUALITY_RECORDS`` (default 1,000,000) clinical notes from the project's sample generator
(``healthcare_note``, fixed seed), each a label JSON of ~0.4 KB plus its note text. Why notes: of the
generators' record types they are the cheapest per record to make and to read (~0.1 ms; a Korean
dialogue is ~4 KB and ~0.25 ms, so a million of them is 4 GB and ~5 minutes per ingest), which makes
them the *hardest* case for the share: the per-record quality work weighs most against a light
record. They also carry free text that the PII detectors must scan (healthcare blocks on any find).

Each run is one ``kdata.pipeline.ingest`` in a fresh child process (one worker), with every stage
(``plan_run``, ``extract_unit`` per archive, ``check_quality``, ``gate``, ``publish_run``,
``register_run``) timed in place, and the time spent in ``RecordChecker.check`` (PII scan, masking,
content hash: the quality work done inside extract, per record) summed. Two shares:

- quality stage alone: ``check_quality`` / ingest;
- all quality work: (``check_quality`` + the in-extract record checks) / ingest.

Medians of 3 runs (``BENCH_QUALITY_RUNS``). Reproduce: ``.venv/bin/python -m benchmarks quality_share``.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

from benchmarks.stages import ingest_child, remove_dataset, sample, stage_totals

__all__ = ["TARGET", "run", "section"]

TARGET = 0.35
"""The quality checks may take at most this share of the ingest."""

SEED = 20261124
KIND = "healthcare_note"

_STAGES = (
    ("plan_run", "plan"),
    ("extract_unit", "extract"),
    ("check_quality", "quality"),
    ("gate", "gate"),
    ("publish_run", "publish"),
    ("register_run", "register"),
)


def _one(dataset: Path, work: Path) -> dict[str, Any]:
    report = ingest_child(dataset, work, workers=1, time_checks=True)
    totals = stage_totals(report)
    seconds = float(report["seconds"])
    quality = totals.get("check_quality", 0.0)
    checks = float(report["checks"]["seconds"])
    return {
        "seconds": seconds,
        "stages": {label: totals.get(name, 0.0) for name, label in _STAGES},
        "record_checks": checks,
        "records": sum(report["rows"].values()),
        "checked": int(report["checks"]["records"]),
        "quality_share": quality / seconds,
        "all_share": (quality + checks) / seconds,
    }


def _median(values: list[float]) -> float:
    return float(statistics.median(values))


def run(work: Path, records: int | None = None, runs: int | None = None, keep: bool | None = None) -> dict[str, Any]:
    """Generate (or reuse) the input, ingest it ``runs`` times, take the medians."""
    records = int(os.environ.get("BENCH_QUALITY_RECORDS", "1000000")) if records is None else records
    runs = int(os.environ.get("BENCH_QUALITY_RUNS", "3")) if runs is None else runs
    keep = bool(os.environ.get("BENCH_WORK")) if keep is None else keep
    folder = work / f"{KIND}-{records}"
    dataset, info = sample(folder, KIND, items=records, seed=SEED)
    try:
        samples = [_one(dataset, work) for _ in range(runs)]
    finally:
        if not keep:
            remove_dataset(folder)
    stages = {label: round(_median([s["stages"][label] for s in samples]), 2) for _, label in _STAGES}
    result: dict[str, Any] = {
        "kind": KIND,
        "records": samples[0]["records"],
        "label_mb": round(info["label_bytes"] / 1e6, 1),
        "runs": runs,
        "seconds": round(_median([s["seconds"] for s in samples]), 1),
        "seconds_runs": [round(s["seconds"], 1) for s in samples],
        "stages": stages,
        "record_checks": round(_median([s["record_checks"] for s in samples]), 2),
        "extract_without_checks": round(_median([s["stages"]["extract"] - s["record_checks"] for s in samples]), 2),
        "quality_share": round(_median([s["quality_share"] for s in samples]), 3),
        "quality_share_runs": [round(s["quality_share"], 3) for s in samples],
        "all_share": round(_median([s["all_share"] for s in samples]), 3),
        "all_share_runs": [round(s["all_share"], 3) for s in samples],
        "generate_s": info["generate_s"],
        "target": TARGET,
    }
    result["quality_pass"] = result["quality_share"] <= TARGET
    result["all_pass"] = result["all_share"] <= TARGET
    return result


def section(result: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    stages = result["stages"]
    total = result["seconds"]
    checks = result["record_checks"]

    def pct(value: float) -> str:
        return f"{value * 100:.1f} %"

    rows = "".join(f"| {label} | {seconds} | {pct(seconds / total)} |\n" for label, seconds in stages.items())

    def verdict(ok: bool) -> str:
        return "pass" if ok else "**FAIL**"

    return (
        f"## Quality stage cost on {result['records']:,} records (`benchmarks/quality_share.py`)\n\n"
        "Reproduce: `.venv/bin/python -m benchmarks quality_share` "
        f"(BENCH_QUALITY_RECORDS={result['records']}; set BENCH_WORK to keep the generated input).\n\n"
        "| share of ingest time | median of 3 | runs | target ≤ 35 % |\n|---|---|---|---|\n"
        f"| quality stage alone (`check_quality`: GX suite, whole-dataset checks, reports) | "
        f"**{pct(result['quality_share'])}** | {', '.join(pct(v) for v in result['quality_share_runs'])} | "
        f"{verdict(result['quality_pass'])} |\n"
        f"| all quality work (+ per-record PII scan and content hash inside extract) | "
        f"**{pct(result['all_share'])}** | {', '.join(pct(v) for v in result['all_share_runs'])} | "
        f"{verdict(result['all_pass'])} |\n\n"
        f"Ingest of {result['records']:,} clinical notes ({result['label_mb']} MB of label JSON plus the note "
        f"texts): median {total} s (runs {', '.join(str(s) for s in result['seconds_runs'])} s). "
        "Median seconds per stage:\n\n"
        f"| stage | seconds | share |\n|---|---|---|\n{rows}"
        f"| (inside extract) per-record checks | {checks} | {pct(checks / total)} |\n\n"
        "Input: `write_samples('healthcare_note', items=…, seed="
        f"{SEED})`, one label JSON and one note text per record, cached between runs "
        f"(generated once in {result['generate_s']} s). Clinical notes are the generators' cheapest record to "
        "read, so the quality checks weigh most here: the hardest case for the target. A Korean dialogue is "
        "~10x the bytes per record and its share is lower. Each run is `kdata.pipeline.ingest` in a fresh "
        "child (one worker); stages are timed in place, and the in-extract checks are the time spent in "
        "`RecordChecker.check`.\n"
    )
