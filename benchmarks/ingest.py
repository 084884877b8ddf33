"""Ingest throughput (MB of label JSON per second, whole pipeline) against two references on the same
input: a bare orjson + pyarrow writer (no checks) and Hugging Face ``datasets`` (json → Parquet).

Reproduce: ``make bench`` (BENCH_MB=250 by default), or ``.venv/bin/python -m benchmarks ingest``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.common import median_time, run_child

__all__ = ["run"]

_PIPELINE = """
import os, time, json, sys
from kcore.config import load_settings
from kdata import pipeline
import great_expectations  # import cost is paid once per worker process, not per dataset: keep it out
t = time.perf_counter()
pipeline.ingest(load_settings(), sys.argv[1] if len(sys.argv) > 1 else os.environ["BENCH_DATASET"])
print(json.dumps({"seconds": time.perf_counter() - t}))
"""

_RECORD_PATH = _PIPELINE.replace(
    "from kdata import pipeline\n",
    "from kdata import pipeline\n"
    "import ingest.readers\n"
    "ingest.readers.get_columnar_reader = lambda record_schema: None  # the record reader for every file\n",
)
"""The pipeline with the record reader only (one dict per dialogue): the comparison row, patched in the child
here rather than switched by a setting of the product."""

_BARE = """
import os, json, time, orjson, pyarrow as pa, pyarrow.parquet as pq
from pathlib import Path
t = time.perf_counter()
out = Path(os.environ["BENCH_OUT"]); out.mkdir(parents=True, exist_ok=True)
for n, path in enumerate(sorted(Path(os.environ["BENCH_JSON"]).rglob("*.json"))):
    doc = orjson.loads(path.read_bytes())
    table = pa.Table.from_pylist(doc["data"])
    pq.write_table(table, out / f"{n:05d}.parquet", compression="zstd")
print(json.dumps({"seconds": time.perf_counter() - t}))
"""

_HF = """
import os, json, time
os.environ["HF_HUB_OFFLINE"] = "1"
from datasets import load_dataset, disable_progress_bars
disable_progress_bars()
from pathlib import Path
files = sorted(str(p) for p in Path(os.environ["BENCH_JSON"]).rglob("*.json"))
t = time.perf_counter()
ds = load_dataset("json", data_files=files, field="data", split="train", cache_dir=os.environ["BENCH_CACHE"])
ds.to_parquet(os.path.join(os.environ["BENCH_OUT"], "hf.parquet"))
print(json.dumps({"seconds": time.perf_counter() - t}))
"""


def _extract_labels(dataset: Path, out: Path) -> int:
    total = 0
    for archive in sorted(dataset.rglob("*L_*.zip")):
        with zipfile.ZipFile(archive) as zf:
            for n, info in enumerate(i for i in zf.infolist() if i.filename.endswith(".json")):
                target = out / archive.stem / f"{n:05d}.json"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(info))
                total += info.file_size
    return total


def run(mb: float, work: Path) -> dict[str, Any]:
    from kdata.samples.korean_dialogue import write_korean_dialogue

    items = max(100, int(mb * 1e6 / 4000))  # ~4 KB of label JSON per dialogue
    dataset = work / "dataset"
    if not dataset.exists():
        write_korean_dialogue(dataset, items=items, seed=20261122, dialogues_per_file=1000)
    labels = work / "labels"
    if labels.exists():
        shutil.rmtree(labels)
    label_bytes = _extract_labels(dataset, labels)
    results: dict[str, Any] = {"items": items, "label_mb": round(label_bytes / 1e6, 1)}

    def pipeline_once(name: str = "pipeline", script: str = _PIPELINE) -> None:
        home = Path(tempfile.mkdtemp(dir=work, prefix="home-"))
        env = {"KDATA_HOME": str(home), "BENCH_DATASET": str(dataset)}
        _secs, rss, out = run_child(script, env)
        results.setdefault(f"{name}_runs", []).append(float(json.loads(out)["seconds"]))
        results[f"{name}_peak_rss_mib"] = max(results.get(f"{name}_peak_rss_mib", 0), rss)
        shutil.rmtree(home)

    def record_path_once() -> None:
        pipeline_once("record_path", _RECORD_PATH)

    def bare_once() -> None:
        out = Path(tempfile.mkdtemp(dir=work, prefix="bare-"))
        _, _, text = run_child(_BARE, {"BENCH_JSON": str(labels), "BENCH_OUT": str(out)})
        results.setdefault("bare_runs", []).append(float(json.loads(text)["seconds"]))
        shutil.rmtree(out)

    def hf_once() -> None:
        out = Path(tempfile.mkdtemp(dir=work, prefix="hf-"))
        _, _, text = run_child(_HF, {"BENCH_JSON": str(labels), "BENCH_OUT": str(out), "BENCH_CACHE": str(out / "c")})
        results.setdefault("hf_runs", []).append(float(json.loads(text)["seconds"]))
        shutil.rmtree(out)

    for name, fn in (
        ("pipeline", pipeline_once),
        ("record_path", record_path_once),
        ("bare", bare_once),
        ("hf", hf_once),
    ):
        median_time(fn)
        runs = sorted(results[f"{name}_runs"])
        results[f"{name}_s"] = round(runs[len(runs) // 2], 2)
        results[f"{name}_mb_s"] = round(results["label_mb"] / results[f"{name}_s"], 1)
    results["vs_hf"] = round(results["pipeline_mb_s"] / results["hf_mb_s"], 2)
    results["vs_bare"] = round(results["pipeline_mb_s"] / results["bare_mb_s"], 2)
    return results
