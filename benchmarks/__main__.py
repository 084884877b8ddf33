"""``make bench``: run the benchmarks, print each figure with its ratio to the reference, write BENCHMARKS.md."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
from pathlib import Path

from benchmarks import ingest, soak
from benchmarks.common import RESULTS, dump, machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("which", nargs="*", default=["ingest", "soak"], help="benchmarks to run (default: all)")
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
    if "soak" in args.which:
        lines.append(_soak(args.soak, work / "soak"))
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS}")


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
