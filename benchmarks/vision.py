"""Vision ingest: images per second into Parquet with the image bytes embedded.

K-Data: ``kdata.pipeline.ingest`` on a generated vision dataset (``write_samples("vision")``: car-damage
JPEGs with COCO-style labels, fixed seed) — archives read, labels parsed and joined to their images,
images decoded and checked, chunks written with the bytes embedded, checksums, quality gate, publish,
catalog. Reference: Hugging Face ``datasets`` on the same images, extracted from the source archives:
``load_dataset("imagefolder", data_dir=...)``, the bytes embedded with ``embed_table_storage`` (what
``push_to_hub`` does; ``to_parquet`` alone would write only the file paths), then ``to_parquet``.
Each run is a child process (:func:`benchmarks.common.run_child`); medians of 3; peak RSS per child.

Reproduce: ``.venv/bin/python -m benchmarks vision`` (``BENCH_VISION_IMAGES`` images, default 3000).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.common import machine, run_child

__all__ = ["run", "section"]

SEED = 20261122
_IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")

_PIPELINE = """
import json, sys, time
from kcore.config import load_settings
from kdata import pipeline
import great_expectations  # import cost is paid once per worker process, not per dataset: keep it out
start = time.perf_counter()
result = pipeline.ingest(load_settings(), sys.argv[1])
print(json.dumps({"seconds": time.perf_counter() - start, "rows": result["rows"]}))
"""

_HF = """
import json, os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"
from datasets import disable_progress_bars, load_dataset
from datasets.table import embed_table_storage
disable_progress_bars()
data, out, cache = sys.argv[1], sys.argv[2], sys.argv[3]
start = time.perf_counter()
ds = load_dataset("imagefolder", data_dir=data, split="train", cache_dir=cache)
ds = ds.with_format("arrow").map(embed_table_storage, batched=True).with_format(None)
ds.to_parquet(out)
seconds = time.perf_counter() - start
import pyarrow.parquet as pq
table = pq.read_table(out, columns=["image"])
embedded = sum(1 for v in table.column("image").combine_chunks().field("bytes").to_pylist() if v)
print(json.dumps({"seconds": seconds, "rows": len(ds), "embedded": embedded}))
"""


def _extract_images(dataset: Path, out: Path) -> tuple[int, int]:
    """The source images of every split into ``out/<archive>/``; returns (count, bytes)."""
    count = size = 0
    for archive in sorted(dataset.rglob("*S_*.zip")):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if info.filename.lower().endswith(_IMAGE_SUFFIXES):
                    target = out / archive.stem / Path(info.filename).name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(zf.read(info))
                    count += 1
                    size += info.file_size
    return count, size


def run(work: Path, images: int | None = None, repeat: int = 3) -> dict[str, Any]:
    """Generate the dataset, then time the pipeline and HF ``datasets`` ``repeat`` times each (interleaved)."""
    from kdata.samples import write_samples

    images = int(os.environ.get("BENCH_VISION_IMAGES", "3000")) if images is None else images
    work.mkdir(parents=True, exist_ok=True)
    dataset = work / "dataset"
    if not dataset.exists():
        write_samples("vision", dataset, items=images, layout="classic", seed=SEED, inject=None)
    extracted = work / "images"
    if extracted.exists():
        shutil.rmtree(extracted)
    count, image_bytes = _extract_images(dataset, extracted)
    result: dict[str, Any] = {
        "machine": machine(),
        "images": count,
        "image_mb": round(image_bytes / 1e6, 1),
        "pipeline_runs": [],
        "hf_runs": [],
        "pipeline_rss": [],
        "hf_rss": [],
    }
    for _ in range(repeat):
        home = Path(tempfile.mkdtemp(dir=work, prefix="home-"))
        _, rss, text = run_child(_PIPELINE, {"KDATA_HOME": str(home), "KDATA_USER": "bench"}, [str(dataset)])
        done = json.loads(text)
        if sum(done["rows"].values()) != count:
            raise RuntimeError(f"pipeline published {done['rows']} rows for {count} images")
        result["pipeline_runs"].append(round(done["seconds"], 2))
        result["pipeline_rss"].append(round(rss))
        result["pipeline_parquet_mb"] = round(
            sum(p.stat().st_size for p in (home / "store").rglob("*.parquet")) / 1e6, 1
        )
        shutil.rmtree(home)

        out = Path(tempfile.mkdtemp(dir=work, prefix="hf-"))
        _, rss, text = run_child(_HF, None, [str(extracted), str(out / "hf.parquet"), str(out / "cache")])
        done = json.loads(text)
        if done["rows"] != count or done["embedded"] != count:
            raise RuntimeError(f"HF wrote {done['rows']} rows, {done['embedded']} with bytes, for {count} images")
        result["hf_runs"].append(round(done["seconds"], 2))
        result["hf_rss"].append(round(rss))
        result["hf_parquet_mb"] = round((out / "hf.parquet").stat().st_size / 1e6, 1)
        shutil.rmtree(out)
    for name in ("pipeline", "hf"):
        seconds = statistics.median(result[f"{name}_runs"])
        result[f"{name}_s"] = round(seconds, 2)
        result[f"{name}_images_s"] = round(count / seconds, 1)
        result[f"{name}_peak_rss_mib"] = max(result[f"{name}_rss"])
    result["ratio"] = round(result["pipeline_images_s"] / result["hf_images_s"], 2)
    print(
        f"vision: {count:,} images ({result['image_mb']} MB): K-Data pipeline {result['pipeline_images_s']} images/s "
        f"({result['pipeline_s']} s, peak RSS {result['pipeline_peak_rss_mib']} MiB), HF datasets "
        f"{result['hf_images_s']} images/s ({result['hf_s']} s, peak RSS {result['hf_peak_rss_mib']} MiB): "
        f"pipeline = {result['ratio']}× HF",
        flush=True,
    )
    return result


def section(r: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    return (
        "## Vision ingest: images into Parquet with the bytes embedded (`benchmarks/vision.py`)\n\n"
        "| way | seconds (median of 3) | images/s | ratio | peak RSS MiB | Parquet MB |\n|---|---|---|---|---|---|\n"
        f"| K-Data pipeline (archives, labels + images joined, image checks, chunks, checksums, quality gate, "
        f"publish, catalog) | {r['pipeline_s']} {r['pipeline_runs']} | {r['pipeline_images_s']} | "
        f"{r['ratio']}× HF | {r['pipeline_peak_rss_mib']} | {r['pipeline_parquet_mb']} |\n"
        f"| Hugging Face `datasets` imagefolder + `embed_table_storage` + `to_parquet` (images only, already "
        f"extracted) | {r['hf_s']} {r['hf_runs']} | {r['hf_images_s']} | 1.00 | {r['hf_peak_rss_mib']} | "
        f"{r['hf_parquet_mb']} |\n\n"
        f"Input: {r['images']:,} generated car-damage JPEGs ({r['image_mb']} MB, seed {SEED}) with COCO-style "
        "labels, in AI Hub-style zip archives; HF reads the same images extracted to a folder (extraction not "
        "timed). Each run is its own process; timed from after the imports to the last byte written.\n\n"
        "Reproduce: `.venv/bin/python -m benchmarks vision` (`BENCH_VISION_IMAGES`, default 3000).\n"
    )
