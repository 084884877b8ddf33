"""What the user waits for: ``kdata ingest`` as a whole process (interpreter start, imports, plan, extract, GX
suite, publish, registration, exit) beside the in-process figure and Hugging Face ``datasets`` (also a whole
process), on label files shaped like real ones: 800 files of Korean dialogue labels (~200 KB each), and a
10 MB dataset end to end.

Three ways of running ``kdata ingest`` as a whole process:
* ``KDATA_GX_WORKER=off``: everything in the one process (GX imported by the ingest itself);
* first ingest with the warm worker: no worker runs yet; the ingest starts one, which imports GX while the
  ingest plans and extracts (what the first ingest of the day waits);
* warm worker running: the steady state of a data team's host (later ingests, Airflow quality tasks).

Reproduce: ``.venv/bin/python -m benchmarks waits`` (BENCH_WAITS_MB=160, BENCH_WAITS_FILES=800; set BENCH_WORK
to keep the generated inputs).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.common import ingest_env, ingest_in_home, run_child, stop_gx_worker, wait_ready

__all__ = ["run", "section"]

REPEAT = int(os.environ.get("BENCH_WAITS_REPEAT", "3"))

_IN_PROCESS = """
import json, sys, time
from kcore.config import load_settings
from kdata import pipeline
from quality.gx_runner import _import_gx
_import_gx()  # imports excluded: the in-process figure
start = time.perf_counter()
result = pipeline.ingest(load_settings(), sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - start, "status": "published", "rows": result["rows"]}))
"""

_HF = """
import os, sys, json
os.environ["HF_HUB_OFFLINE"] = "1"
from pathlib import Path
from datasets import load_dataset, disable_progress_bars
disable_progress_bars()
files = sorted(str(p) for p in Path(sys.argv[1]).rglob("*.json"))
ds = load_dataset("json", data_files=files, field="data", split="train", cache_dir=sys.argv[2])
ds.to_parquet(os.path.join(sys.argv[3], "hf.parquet"))
print(json.dumps({"rows": ds.num_rows}))
"""


def _ways(dataset: Path, work: Path, label_dir: Path | None) -> dict[str, Any]:
    runtime = work / "runtime"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    result: dict[str, Any] = {}
    cpu: list[float] = []
    for way, mode in (("off", "off"), ("first", "warm"), ("warm", "warm")):
        runs, peaks = [], []
        for n in range(REPEAT):
            home = work / (f"home-first-{n}" if way == "first" else f"home-{way}")
            if way == "warm" and n == 0:
                ingest_in_home(dataset, home, runtime, mode)  # untimed: starts the worker of this home
                wait_ready(home, runtime)
            seconds, peak, status = ingest_in_home(dataset, home, runtime, mode)
            runs.append(seconds)
            peaks.append(peak)
            if way == "warm":
                cpu.append(float(status["job_cpu_s"]))  # it ran in the worker (a run in the command has none)
            result["rows"] = sum(status["rows"].values())
            if way == "first":
                stop_gx_worker(home, runtime, settle_s=1.0)  # its children finished; the socket is gone
        if way == "warm":
            stop_gx_worker(work / "home-warm", runtime, settle_s=1.0)
        result[f"{way}_s"] = round(statistics.median(runs), 2)
        result[f"{way}_runs"] = [round(t, 2) for t in runs]
        result[f"{way}_rss_mib"] = round(max(peaks))
    result["warm_cpu_s"] = round(statistics.median(cpu), 2)
    result["warm_cpu_runs"] = [round(c, 2) for c in cpu]
    inside = []
    for _ in range(REPEAT):
        home = work / "home-inprocess"
        if home.exists():
            shutil.rmtree(home)
        _, _, out = run_child(_IN_PROCESS, ingest_env(home, runtime, "off"), [str(dataset)])
        inside.append(float(json.loads(out)["seconds"]))
    result["inprocess_s"] = round(statistics.median(inside), 2)
    if label_dir is not None:
        hf = []
        for n in range(REPEAT):
            cache, out_dir = work / f"hf-cache-{n}", work / f"hf-out-{n}"
            for folder in (cache, out_dir):
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
            seconds, _, _ = run_child(_HF, {}, [str(label_dir), str(cache), str(out_dir)])
            hf.append(seconds)
            shutil.rmtree(cache)
            shutil.rmtree(out_dir)
        result["hf_s"] = round(statistics.median(hf), 2)
        result["hf_runs"] = [round(t, 2) for t in hf]
    return result


def _extract_labels(dataset: Path, out: Path) -> tuple[int, int]:
    files = size = 0
    for archive in sorted(dataset.rglob("*L_*.zip")):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if info.filename.endswith(".json"):
                    target = out / archive.stem / f"{files:05d}.json"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(zf.read(info))
                    files += 1
                    size += info.file_size
    return files, size


def run(work: Path) -> dict[str, Any]:
    from kdata.samples.korean_dialogue import write_korean_dialogue

    work.mkdir(parents=True, exist_ok=True)
    mb = float(os.environ.get("BENCH_WAITS_MB", "160"))
    files = int(os.environ.get("BENCH_WAITS_FILES", "800"))
    items = max(100, int(mb * 1e6 / 4000))  # ~4 KB of label JSON per dialogue
    big = work / "dataset-800"
    if not big.exists():
        write_korean_dialogue(big, items=items, seed=20261203, dialogues_per_file=max(1, items // files))
    labels = work / "labels-800"
    shutil.rmtree(labels, ignore_errors=True)
    label_files, label_bytes = _extract_labels(big, labels)
    small = work / "dataset-10mb"
    if not small.exists():
        items_10mb = int(os.environ.get("BENCH_WAITS_SMALL_ITEMS", "14000"))  # ~10 MB of archives on disk
        write_korean_dialogue(small, items=items_10mb, seed=20261204, dialogues_per_file=50)
    small_bytes = sum(p.stat().st_size for p in small.rglob("*") if p.is_file())
    result: dict[str, Any] = {
        "repeat": REPEAT,
        "files": label_files,
        "label_mb": round(label_bytes / 1e6, 1),
        "small_mb": round(small_bytes / 1e6, 1),
        "big": _ways(big, work / "big", labels),
        "small": _ways(small, work / "small", None),
        "load": round(os.getloadavg()[0], 2),
    }
    big_result = result["big"]
    for way in ("off", "first", "warm", "inprocess"):
        big_result[f"{way}_vs_hf"] = round(big_result["hf_s"] / big_result[f"{way}_s"], 2)
    return result


def section(r: dict[str, Any]) -> str:
    b, s = r["big"], r["small"]
    row = "| {way} | {s} | {runs} | {mb_s} | {ratio} | {rss} |\n"

    def line(way: str, key: str) -> str:
        return row.format(
            way=way,
            s=b[f"{key}_s"],
            runs=b.get(f"{key}_runs", ""),
            mb_s=round(r["label_mb"] / b[f"{key}_s"], 1),
            ratio=f"{b[f'{key}_vs_hf']}×" if f"{key}_vs_hf" in b else "1.00",
            rss=b.get(f"{key}_rss_mib", ""),
        )

    warm_ok = b["warm_vs_hf"] >= 2.0
    small_ok = s["warm_s"] < 10 and s["first_s"] < 10
    return (
        "## What the user waits for: whole processes (`benchmarks/waits.py`)\n\n"
        f"**{r['label_mb']} MB of Korean dialogue labels in {r['files']} files** ({b['rows']:,} dialogues), "
        f"median of {r.get('repeat', 3)}, each run a fresh process from interpreter start to exit "
        "(imports included):\n\n"
        "| way | seconds | runs | MB/s | speed vs HF `datasets` (target ≥ 2×) | peak RSS MiB |\n"
        "|---|---|---|---|---|---|\n"
        + line("`kdata ingest`, warm GX worker running (a data team's host after its first ingest)", "warm")
        + line("`kdata ingest`, first of the day (starts the worker, which imports GX meanwhile)", "first")
        + line("`kdata ingest`, `KDATA_GX_WORKER=off` (GX imported by the ingest itself)", "off")
        + line("in-process `pipeline.ingest` (imports excluded; the figure earlier sections report)", "inprocess")
        + row.format(
            way="Hugging Face `datasets` json → Parquet, whole process (extracted files)",
            s=b["hf_s"],
            runs=b["hf_runs"],
            mb_s=round(r["label_mb"] / b["hf_s"], 1),
            ratio="1.00",
            rss="",
        )
        + f"\nVerdict: {'target met' if warm_ok else 'target missed'} for the warm worker "
        f"({b['warm_vs_hf']}× HF); first ingest {b['first_vs_hf']}×, worker off {b['off_vs_hf']}×. "
        f"The warm job's CPU time (the job and its extract and helper processes, `wait4`): {b['warm_cpu_s']} s "
        f"(runs {b['warm_cpu_runs']}), what its wall time would be on one core.\n\n"
        f"**A {r['small_mb']} MB dataset end to end** ({s['rows']:,} dialogues, 50 per label file; target under 10 s): "
        f"warm worker {s['warm_s']} s (runs {s['warm_runs']}), first ingest {s['first_s']} s (runs "
        f"{s['first_runs']}), worker off {s['off_s']} s (runs {s['off_runs']}), in-process {s['inprocess_s']} s; "
        f"{'target met' if small_ok else 'target missed'}.\n\n"
        "Peak RSS is the ingest process's own (`VmHWM`); with a warm worker, where the whole ingest runs in a "
        "child forked from the worker, that child's (`wait4`, with its extract processes; the worker itself, "
        "~250 MiB idle, shares its pages with it). The KDATA_HOME is emptied before each run (its logs kept); "
        f"with the worker, its path stays (a worker serves one KDATA_HOME). Load average at the end: {r['load']}.\n"
    )


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run(Path(sys.argv[1])), indent=2))
