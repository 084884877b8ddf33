"""``make bench``: run the benchmarks, print each figure with its ratio to the reference, write BENCHMARKS.md."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from pathlib import Path

from benchmarks import ingest
from benchmarks.common import RESULTS, dump, machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("which", nargs="*", default=["ingest"], help="benchmarks to run (default: all)")
    parser.add_argument(
        "--mb",
        type=float,
        default=float(os.environ.get("BENCH_MB", "250")),
        help="MB of label JSON for the ingest benchmark (default 250, or BENCH_MB)",
    )
    args = parser.parse_args()
    work = Path(os.environ.get("BENCH_WORK") or tempfile.mkdtemp(prefix="kdata-bench-"))
    lines = [
        f"# Benchmarks\n\nMachine: {machine()}. Run {dt.date.today().isoformat()} "
        f"(`make bench`, BENCH_MB={args.mb:g}); medians of 3 runs.\n"
    ]
    if "ingest" in args.which:
        result = ingest.run(args.mb, work / "ingest")
        print(dump(result))
        lines.append(
            "## Ingest throughput (Korean SNS-style label JSON)\n\n"
            "| way | seconds | MB/s | ratio |\n|---|---|---|---|\n"
            f"| K-Data pipeline (parse, checks, chunks, checksums, publish, catalog) | {result['pipeline_s']} | "
            f"{result['pipeline_mb_s']} | 1.00 |\n"
            f"| bare orjson + pyarrow (no checks) | {result['bare_s']} | {result['bare_mb_s']} | "
            f"pipeline = {result['vs_bare']}× (target ≥ 0.6×) |\n"
            f"| Hugging Face datasets json → Parquet | {result['hf_s']} | {result['hf_mb_s']} | "
            f"pipeline = {result['vs_hf']}× (target ≥ 2×) |\n\n"
            f"Input: {result['items']:,} dialogues, {result['label_mb']} MB of label JSON. "
            f"Peak RSS of the pipeline process: {result['pipeline_peak_rss_mib']:.0f} MiB.\n"
        )
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
