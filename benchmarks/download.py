"""Selective download and download throughput, against a real S3 endpoint (moto's server over HTTP on
127.0.0.1) holding datasets ingested by the K-Data pipeline (``KDATA_STORE=s3://...``).

(a) Selective download: a generated Korean dialogue dataset (~100 MB of label JSON, fixed seed);
    ``kdata download --split train --where "dialogue_id BETWEEN ..."`` selecting ~1 % of the split's rows
    (``dialogue_id`` is sorted: the generator numbers dialogues in order and the chunk writer keeps that
    order, so row-group min/max statistics let DuckDB skip row groups). Measured: bytes the store
    actually sent, as a share of the split's bytes. Target ≤ 5 %.
(b) Whole-chunk download throughput: ``kdata download --split train`` (licence check, manifest,
    resumable ``.part`` files, size + sha256 + footer verification, audit) against a plain
    ``boto3.client("s3").download_file`` of the same objects. Target ≥ 0.9×. Medians of 3, interleaved.
    The dialogue split is only a few MB (the generated text compresses ~25× in Parquet), so the main
    figure uses a generated Korean speech dataset (audio bytes embedded, ~100 MB split).

Bytes are counted where they leave the store: a WSGI wrapper in front of moto's app adds up every
response body it hands to the HTTP server, per request (method, path, Range header). HTTP headers are
not counted; request bodies (none for GET) neither.

Every download runs in its own child process (:func:`benchmarks.common.run_child`); the server runs in
this process, so client and server do not share a GIL.

Reproduce: ``.venv/bin/python -m benchmarks download`` (``BENCH_DOWNLOAD_MB`` MB of dialogue label JSON,
default 100; ``BENCH_DOWNLOAD_SPEECH`` speech items, default 8000).
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import statistics
import zipfile
from pathlib import Path
from typing import Any, Final

from benchmarks.common import machine, run_child
from tests.s3_server import CountingMotoServer

__all__ = ["run", "section"]

SEED = 20261122
DATASET = "korean-sns-dialogue"
SPEECH = "korean-speech-transcript"
BUCKET = "kdata-bench"
PREFIX = "datasets"
REGION: Final = "ap-northeast-2"
CHUNK_BYTES = 64 * 1024**2  # Arrow bytes per chunk (KDATA_CHUNK_BYTES)
ROW_GROUP_BYTES = 1024**2  # Arrow bytes per row group (KDATA_ROW_GROUP_BYTES); a row group holds ≥ 1 batch
TARGET_SHARE = 0.05
WINDOWS = 5  # 1 % filters at seeded random positions; the median is reported
TARGET_RATIO = 0.9

_INGEST = """
import json, sys
from kdata import pipeline
from kdata.config import load_settings
from catalog.db import connect
from catalog.licence import approve
settings = load_settings()
result = pipeline.ingest(settings, sys.argv[1])
with connect(settings) as con:  # the steward approves the benchmark user (licence aihub-standard)
    approve(con, result["dataset_id"], settings.user, "steward", reason="benchmark")
print(json.dumps({k: result[k] for k in ("dataset_id", "version", "rows", "chunks")}))
"""

_KDATA = """
import json, sys, time
from pathlib import Path
from kdata.config import load_settings
from storage.download import DownloadRequest, download
import catalog.access, catalog.db, catalog.register, storage.s3  # lazy imports of download(): not timed
args = json.loads(sys.argv[1])
settings = load_settings()
request = DownloadRequest(args["dataset"], Path(args["out"]), split="train", where=args.get("where"),
                          columns=args.get("columns"))
start = time.perf_counter()
result = download(settings, request, show_progress=False)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "rows": result.get("rows"), "files": result["files"],
                  "transferred": result.get("transferred")}))
"""

_BOTO3 = """
import json, sys, time
from pathlib import Path
import boto3
args = json.loads(sys.argv[1])
out = Path(args["out"])
start = time.perf_counter()
client = boto3.client("s3")
for n, key in enumerate(args["keys"]):
    client.download_file(args["bucket"], key, str(out / f"{n:05d}.parquet"))
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def _env(endpoint: str, work: Path, home: Path) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "KDATABENCHACCESSKEY",
        "AWS_SECRET_ACCESS_KEY": "kdata-bench-dummy-secret",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(work / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(work / "no-aws-credentials"),
        "KDATA_HOME": str(home),
        "KDATA_STORE": f"s3://{BUCKET}/{PREFIX}",
        "KDATA_USER": "bench",
        "KDATA_CHUNK_BYTES": str(CHUNK_BYTES),
        "KDATA_ROW_GROUP_BYTES": str(ROW_GROUP_BYTES),
    }


def _split_layout(files: list[str]) -> dict[str, Any]:
    """Row groups of the downloaded split (their id ranges), and its ids in order."""
    import pyarrow.parquet as pq

    ids: list[str] = []
    ranges: list[tuple[str, str]] = []
    footers = 0
    for name in files:
        meta = pq.read_metadata(name)
        footers += meta.serialized_size + 8  # footer, its length and the magic number
        column = [meta.schema.column(i).name for i in range(meta.num_columns)].index("dialogue_id")
        for i in range(meta.num_row_groups):
            stats = meta.row_group(i).column(column).statistics
            ranges.append((str(stats.min), str(stats.max)))
        ids += pq.read_table(name, columns=["dialogue_id"])["dialogue_id"].to_pylist()
    return {"row_groups": len(ranges), "ranges": ranges, "ids": ids, "footer_bytes": footers}


def _windows(layout: dict[str, Any], count: int = WINDOWS) -> list[dict[str, Any]]:
    """``count`` filters each selecting 1 % of the rows by the sorted id, at seeded random positions."""
    ids = layout["ids"]
    if ids != sorted(ids):
        raise RuntimeError("dialogue_id is not sorted in the published split: the filter would read everything")
    rows = max(1, len(ids) // 100)
    rng = random.Random(SEED)
    found = []
    for _ in range(count):
        first = rng.randrange(0, len(ids) - rows + 1)
        low, high = ids[first], ids[first + rows - 1]
        touched = sum(1 for lo, hi in layout["ranges"] if lo <= high and hi >= low)
        found.append({"where": f"dialogue_id BETWEEN '{low}' AND '{high}'", "rows": rows, "row_groups": touched})
    return found


def _label_mb(dataset: Path) -> float:
    """MB of label JSON inside the dataset's label archives (``*L_*.zip``)."""
    total = 0
    for archive in dataset.rglob("*L_*.zip"):
        with zipfile.ZipFile(archive) as zf:
            total += sum(i.file_size for i in zf.infolist() if i.filename.endswith(".json"))
    return round(total / 1e6, 1)


def _generate(work: Path, mb: float, speech_items: int) -> dict[str, Path]:
    from kdata.samples import write_samples
    from kdata.samples.korean_dialogue import write_korean_dialogue

    folders = {DATASET: work / "dialogue", SPEECH: work / "speech"}
    if not folders[DATASET].exists():
        items = max(200, int(mb * 1e6 / 4000))  # ~4 KB of label JSON per dialogue
        write_korean_dialogue(folders[DATASET], items=items, seed=SEED, dialogues_per_file=1000)
    if not folders[SPEECH].exists():
        write_samples("korean_speech", folders[SPEECH], items=speech_items, layout="classic", seed=SEED, inject=None)
    return folders


def run(work: Path, mb: float | None = None, speech_items: int | None = None, repeat: int = 3) -> dict[str, Any]:
    """Generate, ingest both datasets into moto S3, then measure (a) and (b); prints the figures."""
    import boto3

    mb = float(os.environ.get("BENCH_DOWNLOAD_MB", "100")) if mb is None else mb
    speech_items = int(os.environ.get("BENCH_DOWNLOAD_SPEECH", "8000")) if speech_items is None else speech_items
    work.mkdir(parents=True, exist_ok=True)
    folders = _generate(work, mb, speech_items)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = CountingMotoServer()
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    result: dict[str, Any] = {"machine": machine(), "label_mb": _label_mb(folders[DATASET])}
    try:
        home = work / "home"
        if home.exists():
            shutil.rmtree(home)
        env = _env(endpoint, work, home)
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=REGION,
        ).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        for dataset_id, folder in folders.items():
            ingest_s, _, out = run_child(_INGEST, env, [str(folder)])
            ingested = json.loads(out)
            if ingested["dataset_id"] != dataset_id:
                raise RuntimeError(f"ingested {ingested['dataset_id']}, expected {dataset_id}")
            throughput = _throughput(server, env, work, dataset_id, ingested["version"], repeat)
            key = "dialogue" if dataset_id == DATASET else "speech"
            result[key] = {"train_rows": ingested["rows"]["train"], "ingest_s": round(ingest_s, 1), **throughput}
            if dataset_id == DATASET:
                result[key] |= _selective(server, env, work, throughput.pop("_files"), throughput["_prefix"])
            else:
                throughput.pop("_files")
    finally:
        server.stop()
    _print(result)
    return result


def _throughput(
    server: CountingMotoServer, env: dict[str, str], work: Path, dataset_id: str, version: str, repeat: int
) -> dict[str, Any]:
    """(b): kdata download of the whole train split vs boto3 download_file of the same objects."""
    split_prefix = f"/{BUCKET}/{PREFIX}/{dataset_id}/{version}/train/"
    kdata_runs: list[float] = []
    boto_runs: list[float] = []
    kdata_bytes: list[int] = []
    boto_bytes: list[int] = []
    files: list[str] = []
    keys: list[str] = []
    split_bytes = 0
    for n in range(repeat):
        out = work / f"kdata-{n}"
        server.counter.reset()
        _, _, text = run_child(_KDATA, env, [json.dumps({"dataset": dataset_id, "out": str(out)})])
        done = json.loads(text)
        kdata_runs.append(done["seconds"])
        kdata_bytes.append(server.counter.served(split_prefix))
        if n == 0:
            manifest = json.loads((out / dataset_id / version / "manifest.json").read_text(encoding="utf-8"))
            train = sorted((c for c in manifest["chunks"] if c["split"] == "train"), key=lambda c: c["key"])
            split_bytes = sum(c["bytes"] for c in train)
            keys = [f"{PREFIX}/{dataset_id}/{version}/{c['key']}" for c in train]
            keep = work / f"train-{dataset_id}"
            keep.mkdir(exist_ok=True)
            for name in done["files"]:
                shutil.copy(name, keep / Path(name).name)
            files = sorted(str(p) for p in keep.glob("*.parquet"))
        shutil.rmtree(out)

        out = work / f"boto3-{n}"
        out.mkdir()
        server.counter.reset()
        args = {"bucket": BUCKET, "keys": keys, "out": str(out)}
        _, _, text = run_child(_BOTO3, env, [json.dumps(args)])
        boto_runs.append(json.loads(text)["seconds"])
        boto_bytes.append(server.counter.served(split_prefix))
        shutil.rmtree(out)
    kdata_s, boto_s = statistics.median(kdata_runs), statistics.median(boto_runs)
    return {
        "_files": files,
        "_prefix": split_prefix,
        "split_bytes": split_bytes,
        "chunks": len(keys),
        "kdata_s": round(kdata_s, 2),
        "kdata_runs": [round(t, 2) for t in kdata_runs],
        "kdata_mb_s": round(split_bytes / 1e6 / kdata_s, 1),
        "kdata_served": max(kdata_bytes),
        "boto3_s": round(boto_s, 2),
        "boto3_runs": [round(t, 2) for t in boto_runs],
        "boto3_mb_s": round(split_bytes / 1e6 / boto_s, 1),
        "boto3_served": max(boto_bytes),
        "throughput_ratio": round(boto_s / kdata_s, 2),
    }


def _selective(
    server: CountingMotoServer, env: dict[str, str], work: Path, files: list[str], split_prefix: str
) -> dict[str, Any]:
    """(a): bytes served for ~1 % ``--where`` filters (all columns, then two columns), median over windows."""
    layout = _split_layout(files)
    windows = _windows(layout)
    for window in windows:
        for name, columns in (("all", None), ("two", ["dialogue_id", "topic"])):
            out = work / f"select-{name}"
            server.counter.reset()
            args = {"dataset": DATASET, "out": str(out), "where": window["where"], "columns": columns}
            _, _, text = run_child(_KDATA, env, [json.dumps(args)])
            done = json.loads(text)
            if done["rows"]["train"] != window["rows"]:
                raise RuntimeError(f"--where selected {done['rows']['train']} rows, expected {window['rows']}")
            window[f"{name}_bytes"] = server.counter.served(split_prefix)
            window[f"{name}_requests"] = len(server.counter.requests(split_prefix))
            shutil.rmtree(out)
    found: dict[str, Any] = {
        "row_groups": layout["row_groups"],
        "footer_bytes": layout["footer_bytes"],
        "selected_rows": windows[0]["rows"],
        "windows": windows,
        "straddling": sum(1 for w in windows if w["row_groups"] > 1),
    }
    for name in ("all", "two"):
        found[f"select_{name}_bytes"] = int(statistics.median(w[f"{name}_bytes"] for w in windows))
        found[f"select_{name}_max_bytes"] = max(w[f"{name}_bytes"] for w in windows)
        found[f"select_{name}_requests"] = int(statistics.median(w[f"{name}_requests"] for w in windows))
    return found


def _share(d: dict[str, Any], name: str, which: str = "") -> float:
    return float(d[f"select_{name}{which}_bytes"]) / float(d["split_bytes"])


def _print(r: dict[str, Any]) -> None:
    d, sp = r["dialogue"], r["speech"]
    print(
        f"download: dialogue train split {d['split_bytes'] / 1e6:.1f} MB ({r['label_mb']} MB of label JSON) in "
        f"{d['chunks']} chunks, {d['row_groups']} row groups, {d['train_rows']:,} rows"
    )
    print(
        f"  (a) --where selecting {d['selected_rows']} rows (1 %), median of {len(d['windows'])} windows: "
        f"{d['select_all_bytes'] / 1e6:.3f} MB served = {_share(d, 'all'):.2%} of the split (target ≤ "
        f"{TARGET_SHARE:.0%}: ratio {_share(d, 'all') / TARGET_SHARE:.2f}; "
        f"worst window {_share(d, 'all', '_max'):.2%}, "
        f"{d['straddling']} of {len(d['windows'])} windows span two row groups); with 2 columns "
        f"{d['select_two_bytes'] / 1e6:.3f} MB = {_share(d, 'two'):.2%}"
    )
    for name, x in (("speech", sp), ("dialogue", d)):
        print(
            f"  (b) {name} train split {x['split_bytes'] / 1e6:.1f} MB: kdata download {x['kdata_mb_s']} MB/s "
            f"({x['kdata_s']} s), boto3 download_file {x['boto3_mb_s']} MB/s ({x['boto3_s']} s): "
            f"kdata = {x['throughput_ratio']}× boto3 (target ≥ {TARGET_RATIO}×)",
            flush=True,
        )


def section(r: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    d, sp = r["dialogue"], r["speech"]

    def row(name: str, x: dict[str, Any]) -> str:
        return (
            f"| {name}: {x['split_bytes'] / 1e6:.1f} MB, {x['chunks']} chunks | {x['kdata_mb_s']} MB/s "
            f"({x['kdata_s']} s; runs {x['kdata_runs']}) | {x['boto3_mb_s']} MB/s ({x['boto3_s']} s; runs "
            f"{x['boto3_runs']}) | {x['throughput_ratio']}× (target ≥ {TARGET_RATIO}×) |\n"
        )

    return (
        "## Selective download and download throughput (S3: moto server over HTTP, `benchmarks/download.py`)\n\n"
        "Bytes are counted where they leave the store: a WSGI wrapper in front of moto's app adds up every "
        "response body it sends (HTTP headers not counted). Every download runs in its own process; the "
        f"server runs in the benchmark's process. Chunks: `KDATA_CHUNK_BYTES={CHUNK_BYTES}`, "
        f"`KDATA_ROW_GROUP_BYTES={ROW_GROUP_BYTES}` (Arrow bytes per row group).\n\n"
        f"**(a) Selective download.** {d['train_rows'] + 0:,}-row train split of generated Korean dialogues "
        f"({r['label_mb']} MB of label JSON, seed {SEED}): {d['split_bytes'] / 1e6:.2f} MB of Parquet in "
        f"{d['chunks']} chunks and {d['row_groups']} row groups. Filter on the sorted `dialogue_id`, "
        f"{d['selected_rows']} rows (1 %) each, {len(d['windows'])} windows at seeded random positions (e.g. "
        f"`{d['windows'][0]['where']}`); {d['straddling']} of them span two row groups. A filter reads at least "
        f"one row group, about {100 / max(d['row_groups'], 1):.1f} % of this split, plus the footer of each chunk: "
        f"{d['footer_bytes']:,} bytes, {d['footer_bytes'] / d['split_bytes']:.1%} of the split (metadata of "
        f"{d['row_groups']} row groups × 25 columns). Footers grow with the number of row groups and row "
        "groups shrink the part read: on a split this small the two together stay above 5 %; on a bigger "
        "split with bigger row groups both shares fall.\n\n"
        "| selection | bytes read from the store (median of windows) | share of the split | worst window | target "
        "| ratio |\n|---|---|---|---|---|---|\n"
        f"| all columns | {d['select_all_bytes']:,} in {d['select_all_requests']} requests | "
        f"{_share(d, 'all'):.2%} | {_share(d, 'all', '_max'):.2%} | ≤ {TARGET_SHARE:.0%} | "
        f"{_share(d, 'all') / TARGET_SHARE:.2f} |\n"
        f"| `--columns dialogue_id,topic` | {d['select_two_bytes']:,} in {d['select_two_requests']} requests | "
        f"{_share(d, 'two'):.2%} | {_share(d, 'two', '_max'):.2%} | ≤ {TARGET_SHARE:.0%} | "
        f"{_share(d, 'two') / TARGET_SHARE:.2f} |\n\n"
        "**(b) Whole-chunk download throughput**, `kdata download --split train` (licence check, manifest, "
        "resumable `.part` files, size + sha256 + footer check, audit) vs `boto3.client('s3').download_file` of "
        f"the same objects, medians of {len(sp['kdata_runs'])} interleaved runs, timed inside each process around "
        "the download (imports excluded, client creation included). The generated dialogue text compresses "
        f"about {r['label_mb'] * 0.8 / (d['split_bytes'] / 1e6):.0f}× in Parquet, so its split is too small to "
        "measure a transfer rate (fixed costs dominate); "
        f"the main figure uses the generated Korean speech dataset ({SPEECH}, audio bytes embedded).\n\n"
        "| split | kdata download | boto3 download_file | ratio |\n|---|---|---|---|\n"
        f"{row('speech', sp)}{row('dialogue', d)}\n"
        "Reproduce: `.venv/bin/python -m benchmarks download` (`BENCH_DOWNLOAD_MB` MB of dialogue label JSON, "
        "default 100; `BENCH_DOWNLOAD_SPEECH` speech items, default 8000).\n"
    )
