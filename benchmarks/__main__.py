"""``make bench``: run the benchmarks, print each figure with its ratio to the reference, write BENCHMARKS.md."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from benchmarks import airflow_run as airflow_run_bench
from benchmarks import celery_workers as celery_workers_bench
from benchmarks import cli as cli_bench
from benchmarks import download as download_bench
from benchmarks import ingest, soak
from benchmarks import many_labels as many_labels_bench
from benchmarks import mapped as mapped_bench
from benchmarks import memory as memory_bench
from benchmarks import quality_share as quality_share_bench
from benchmarks import scaling as scaling_bench
from benchmarks import search as search_bench
from benchmarks import shared_catalog as shared_catalog_bench
from benchmarks import vision as vision_bench
from benchmarks import vision_1080p as vision_1080p_bench
from benchmarks import waits as waits_bench
from benchmarks.common import RESULTS, dump, machine


def main() -> None:
    # the benchmark users administer the catalogs the benchmarks build (they ingest and approve)
    os.environ.setdefault("KDATA_ADMINS", "bench,soak,tester,steward")
    os.environ.setdefault("KDATA_USER", "bench")  # runs as one of them whoever is logged in (root on CI hosts)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "which",
        nargs="*",
        default=[
            "ingest",
            "waits",
            "airflow_run",
            "mapped",
            "soak",
            "search",
            "download",
            "vision",
            "vision_1080p",
            "many_labels",
            "memory",
            "quality_share",
            "scaling",
            "cli",
            "shared_catalog",
            "celery_workers",
        ],
        help="benchmarks to run (default: all)",
    )
    parser.add_argument(
        "--mb",
        type=float,
        default=float(os.environ.get("BENCH_MB", "250")),
        help="MB of label JSON for the ingest benchmark (default 250, or BENCH_MB)",
    )
    parser.add_argument(
        "--soak",
        type=int,
        default=int(os.environ.get("SOAK_N", "200")),
        help="small ingests in a row for the soak benchmark (default 200, or SOAK_N)",
    )
    args = parser.parse_args()
    work = Path(os.environ.get("BENCH_WORK") or tempfile.mkdtemp(prefix="kdata-bench-"))
    sections: dict[str, str] = {}
    if "ingest" in args.which:
        result = ingest.run(args.mb, work / "ingest")
        print(dump(result))
        sections["ingest"] = (
            "## Ingest throughput (Korean SNS-style label JSON)\n\n"
            "| way | seconds | MB/s | ratio |\n|---|---|---|---|\n"
            f"| K-Data pipeline (parse, checks, chunks, checksums, publish, catalog) | {result['pipeline_s']} | "
            f"{result['pipeline_mb_s']} | 1.00 |\n"
            f"| the same, record reader only (one dict per dialogue) | {result['record_path_s']} | "
            f"{result['record_path_mb_s']} | {round(result['record_path_mb_s'] / result['pipeline_mb_s'], 2)} |\n"
            f"| bare orjson + pyarrow (no checks) | {result['bare_s']} | {result['bare_mb_s']} | "
            f"pipeline = {result['vs_bare']}× (target ≥ 0.6×) |\n"
            f"| Hugging Face datasets json → Parquet | {result['hf_s']} | {result['hf_mb_s']} | "
            f"pipeline = {result['vs_hf']}× (target ≥ 2×) |\n\n"
            f"Input: {result['items']:,} dialogues, {result['label_mb']} MB of label JSON. "
            f"Peak RSS of the pipeline process: {result['pipeline_peak_rss_mib']:.0f} MiB.\n\n"
            f"{_ingest_verdict(result)}\n"
        )
    if "soak" in args.which:
        sections["soak"] = _soak(args.soak, work / "soak")
    if "mapped" in args.which:
        result = mapped_bench.run(work / "mapped")
        print(dump(result))
        sections["mapped"] = mapped_bench.section(result)
    for name, bench in (
        ("search", search_bench),
        ("download", download_bench),
        ("vision", vision_bench),
        ("vision_1080p", vision_1080p_bench),
        ("many_labels", many_labels_bench),
        ("waits", waits_bench),
        ("airflow_run", airflow_run_bench),
        ("cli", cli_bench),
        ("shared_catalog", shared_catalog_bench),
        ("celery_workers", celery_workers_bench),
    ):
        if name in args.which:
            result = bench.run(work / name)
            print(dump(result))
            sections[name] = bench.section(result)
    if "memory" in args.which:
        result = memory_bench.run(work / "memory")
        print(dump(result))
        sections["memory"] = memory_bench.section(result)
    if "quality_share" in args.which:
        result = quality_share_bench.run(work / "quality_share")
        print(dump(result))
        sections["quality_share"] = quality_share_bench.section(result)
    if "scaling" in args.which:
        result = scaling_bench.run(work / "scaling")
        print(dump(result))
        sections["scaling"] = scaling_bench.section(result)
    _write_results(sections)
    print(f"wrote {RESULTS}")


ORDER = [
    "ingest",
    "waits",
    "airflow_run",
    "mapped",
    "scaling",
    "memory",
    "quality_share",
    "vision",
    "vision_1080p",
    "many_labels",
    "search",
    "download",
    "cli",
    "shared_catalog",
    "celery_workers",
    "soak",
]


def _write_results(fresh: dict[str, str]) -> None:
    """Replace the sections of the benchmarks that ran; keep the others as their last run wrote them.

    Each section carries a marker and the date and load of its own run (benchmarks run one at a time too).
    """
    kept: dict[str, str] = {}
    if RESULTS.exists():
        for part in RESULTS.read_text(encoding="utf-8").split("<!-- bench:")[1:]:
            name, _, body = part.partition(" -->\n")
            kept[name] = body.rstrip() + "\n"
    load = os.getloadavg()[0]
    stamp = f"_Run {dt.date.today().isoformat()} on {machine()}; load average {load:.2f} at the end._\n"
    for name, text in fresh.items():
        kept[name] = text.rstrip() + "\n\n" + stamp
    head = (
        "# Benchmarks\n\n`make bench` runs them all; `.venv/bin/python -m benchmarks NAME...` runs some and "
        "replaces only their sections. Inputs come from the project's generators with fixed seeds; timings are "
        "medians of 3 runs unless a section says otherwise.\n"
    )
    names = [n for n in ORDER if n in kept] + sorted(n for n in kept if n not in ORDER)
    body = "".join(f"\n<!-- bench:{n} -->\n{kept[n]}" for n in names)
    RESULTS.write_text(head + body, encoding="utf-8")


def _ingest_verdict(result: dict[str, Any]) -> str:
    met_hf, met_bare = result["vs_hf"] >= 2.0, result["vs_bare"] >= 0.6
    verdict = (
        "both targets met"
        if met_hf and met_bare
        else (
            "target missed: "
            + ", ".join(t for t, ok in (("≥ 2× Hugging Face", met_hf), ("≥ 0.6× bare", met_bare)) if not ok)
        )
    )
    return (
        f"Reproduce: `.venv/bin/python -m benchmarks ingest` (BENCH_MB={result['label_mb']:.0f}, seed 20261122; "
        f"one worker, each way in a fresh child process, imports excluded). Verdict: {verdict}. "
        "Label files go through the columnar path (Arrow's JSON reader, Arrow compute, the RE2 PII "
        "pre-check and the content hash over Arrow-built canonical JSON; Python only for flagged or "
        "escaped rows); the rest of the time is the plan (hashing, archive checks), the GX stage and "
        "Parquet writing. The record-reader row runs the same pipeline with the columnar reader patched out in "
        "its child process (`benchmarks/ingest.py`), for comparison; the product has no switch for it."
    )


def _soak(n: int, work: Path) -> str:
    """Run the soak, print a line every 20 ingests, and return its BENCHMARKS.md section."""
    samples = soak.run(n, work, every=20, report=soak.print_sample)
    result = soak.summary(samples)
    print(dump({k: v for k, v in result.items() if k != "samples"}))
    rows = "".join(
        f"| {s['ingests']} | {s['catalog_bytes'] / 1024**2:.1f} | {s['open_fds']} | {s['rss_mib']:.0f} | "
        f"{s['seconds_per_ingest']:.2f} |\n"
        for s in result["samples"]
    )
    return (
        f"## Soak: {n} small ingests in a row, one process (`benchmarks/soak.py`)\n\n"
        "| ingests | catalog MiB (file + snapshot) | open fds | RSS MiB | s/ingest (since last row) |\n"
        f"|---|---|---|---|---|\n{rows}\n"
        f"Open fds grew by {result['fd_growth']}; RSS last/first = {result['rss_ratio']}; "
        f"catalog {result['catalog_bytes_per_dataset'] / 1024:.0f} KiB per dataset.\n"
    )


if __name__ == "__main__":
    main()
