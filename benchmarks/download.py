"""Selective download and download throughput, against a real S3 endpoint (moto's server over HTTP on
127.0.0.1) holding datasets ingested by the K-Data pipeline (``KDATA_STORE=s3://...``).

(a) Selective download: a generated Korean dialogue dataset (~100 MB of label JSON, fixed seed);
    ``kdata download --split train --where "dialogue_id BETWEEN ..."`` selecting ~1 % of the split's rows
    (``dialogue_id`` is sorted: the generator numbers dialogues in order and the chunk writer keeps that
    order, so the chunks' zone maps in the manifest let the download skip chunks unopened, and row-group
    min/max statistics let DuckDB skip row groups). Measured: bytes the store actually sent, as a share
    of the split's bytes. Target ≤ 5 %. The generated text compresses ~25× in Parquet, so this split is
    only ~3 MB and fixed metadata (footers) weighs on it: the same windows are measured for several row-
    group sizes (the trade-off between the row group read and the footer), and once on a split ten times
    bigger (``BENCH_DOWNLOAD_LARGE_MB``, default 1000 MB of label JSON).
(b) Whole-chunk download throughput: ``kdata download --split train`` (licence check, manifest,
    resumable ``.part`` files, size + sha256 + footer verification, audit) against a plain
    ``boto3.client("s3").download_file`` of the same objects. Target ≥ 0.9×. Medians of 3, interleaved.
    The dialogue split is only a few MB, so the main figure uses a generated Korean speech dataset
    (audio bytes embedded, ~100 MB split).

Bytes are counted where they leave the store: a WSGI wrapper in front of moto's app adds up every
response body it hands to the HTTP server, per request (method, path, Range header). HTTP headers are
not counted; request bodies (none for GET) neither.

Every download runs in its own child process (:func:`benchmarks.common.run_child`); the server runs in
this process, so client and server do not share a GIL.

Reproduce: ``.venv/bin/python -m benchmarks download`` (``BENCH_DOWNLOAD_MB`` MB of dialogue label JSON,
default 100; ``BENCH_DOWNLOAD_LARGE_MB``, default 1000, 0 to leave the bigger split out;
``BENCH_DOWNLOAD_SPEECH`` speech items, default 8000).
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
SWEEP = (512 * 1024, 768 * 1024, 1536 * 1024, 2 * 1024**2)  # other row-group sizes for (a), small split
TARGET_SHARE = 0.05
WINDOWS = 5  # 1 % filters at seeded random positions; the median is reported
TARGET_RATIO = 0.9

_INGEST = """
import json, sys
from kdata import pipeline
from kcore.config import load_settings
from catalog.db import connect
from catalog.license import approve
settings = load_settings()
result = pipeline.ingest(settings, sys.argv[1])
with connect(settings) as con:  # the steward approves the benchmark user (licence aihub-standard)
    approve(con, result["dataset_id"], settings.user, "steward", reason="benchmark")
print(json.dumps({k: result[k] for k in ("dataset_id", "version", "rows", "chunks")}))
"""

_KDATA = """
import json, sys, time
from pathlib import Path
from kcore.config import load_settings
from kdata.download import DownloadRequest, download
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


def _env(
    endpoint: str, work: Path, home: Path, prefix: str = PREFIX, row_group_bytes: int = ROW_GROUP_BYTES
) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "KDATABENCHACCESSKEY",
        "AWS_SECRET_ACCESS_KEY": "kdata-bench-dummy-secret",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(work / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(work / "no-aws-credentials"),
        "KDATA_HOME": str(home),
        "KDATA_STORE": f"s3://{BUCKET}/{prefix}",
        "KDATA_USER": "bench",
        "KDATA_CHUNK_BYTES": str(CHUNK_BYTES),
        "KDATA_ROW_GROUP_BYTES": str(row_group_bytes),
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


def _generate(work: Path, mb: float, speech_items: int, large_mb: float) -> dict[str, Path]:
    from kdata.samples import write_samples
    from kdata.samples.korean_dialogue import write_korean_dialogue

    folders = {DATASET: work / "dialogue", SPEECH: work / "speech"}
    sizes = {folders[DATASET]: mb}
    if large_mb > 0:
        folders["large"] = work / f"dialogue-{large_mb:g}mb"
        sizes[folders["large"]] = large_mb
    for folder, size in sizes.items():
        if not folder.exists():
            items = max(200, int(size * 1e6 / 4000))  # ~4 KB of label JSON per dialogue
            write_korean_dialogue(folder, items=items, seed=SEED, dialogues_per_file=1000)
    if not folders[SPEECH].exists():
        write_samples("korean_speech", folders[SPEECH], items=speech_items, layout="classic", seed=SEED, inject=None)
    return folders


def run(
    work: Path, mb: float | None = None, speech_items: int | None = None, repeat: int = 3, large_mb: float | None = None
) -> dict[str, Any]:
    """Generate, ingest into moto S3, then measure (a) and (b); prints the figures."""
    import boto3

    mb = float(os.environ.get("BENCH_DOWNLOAD_MB", "100")) if mb is None else mb
    large_mb = float(os.environ.get("BENCH_DOWNLOAD_LARGE_MB", "1000")) if large_mb is None else large_mb
    speech_items = int(os.environ.get("BENCH_DOWNLOAD_SPEECH", "8000")) if speech_items is None else speech_items
    work.mkdir(parents=True, exist_ok=True)
    folders = _generate(work, mb, speech_items, large_mb)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = CountingMotoServer()
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    result: dict[str, Any] = {"machine": machine(), "label_mb": _label_mb(folders[DATASET]), "selective": []}
    try:
        env = _env(endpoint, work, work / "home")
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=REGION,
        ).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        for dataset_id in (DATASET, SPEECH):
            ingest_s, version = _publish(env, folders[dataset_id], dataset_id)
            throughput = _throughput(server, env, work, dataset_id, version, repeat, PREFIX)
            key = "dialogue" if dataset_id == DATASET else "speech"
            files = throughput.pop("_files")
            result[key] = {"ingest_s": round(ingest_s, 1), **throughput}
            if dataset_id == DATASET:
                found = _selective(server, env, work, files, throughput["_prefix"])
                found |= {k: throughput[k] for k in ("split_bytes", "chunks", "train_rows")}
                found |= {"label_mb": result["label_mb"], "row_group_bytes": ROW_GROUP_BYTES, "main": True}
                result["selective"].append(found)
        points = [(folders[DATASET], rg) for rg in SWEEP]
        if "large" in folders:
            points.append((folders["large"], ROW_GROUP_BYTES))
        for n, (folder, rg) in enumerate(points):
            prefix = f"{PREFIX}-{n}"
            env_n = _env(endpoint, work, work / f"home-{n}", prefix, rg)
            _, version = _publish(env_n, folder, DATASET)
            kept = _fetch_split(env_n, work, DATASET, version)
            split_prefix = f"/{BUCKET}/{prefix}/{DATASET}/{version}/train/"
            found = _selective(server, env_n, work, kept["files"], split_prefix)
            found |= {k: kept[k] for k in ("split_bytes", "chunks", "train_rows")}
            result["selective"].append(found | {"label_mb": _label_mb(folder), "row_group_bytes": rg, "main": False})
    finally:
        server.stop()
    _print(result)
    return result


def _publish(env: dict[str, str], folder: Path, dataset_id: str) -> tuple[float, str]:
    """Ingest ``folder`` into the store of ``env`` (a fresh home); returns (seconds, version)."""
    home = Path(env["KDATA_HOME"])
    if home.exists():
        shutil.rmtree(home)
    ingest_s, _, out = run_child(_INGEST, env, [str(folder)])
    ingested = json.loads(out)
    if ingested["dataset_id"] != dataset_id:
        raise RuntimeError(f"ingested {ingested['dataset_id']}, expected {dataset_id}")
    return ingest_s, str(ingested["version"])


def _fetch_split(env: dict[str, str], work: Path, dataset_id: str, version: str) -> dict[str, Any]:
    """Download the train split once (not timed) and keep it: :func:`_keep_split`."""
    out = work / "fetch"
    if out.exists():
        shutil.rmtree(out)
    _, _, text = run_child(_KDATA, env, [json.dumps({"dataset": dataset_id, "out": str(out)})])
    kept = _keep_split(out, json.loads(text)["files"], work, env, dataset_id, version)
    shutil.rmtree(out)
    return kept


def _keep_split(
    out: Path, downloaded: list[str], work: Path, env: dict[str, str], dataset_id: str, version: str
) -> dict[str, Any]:
    """Copy a downloaded train split aside (its row-group layout is read later) and sum up its manifest
    entries: ``files``, ``train`` (chunk entries by key), ``split_bytes``, ``chunks``, ``train_rows``."""
    keep = work / f"train-{Path(env['KDATA_HOME']).name}-{dataset_id}"
    if keep.exists():
        shutil.rmtree(keep)
    keep.mkdir()
    for name in downloaded:
        shutil.copy(name, keep / Path(name).name)
    from schemas.contracts import VersionManifest

    path = out / dataset_id / version / "manifest.json"
    manifest = VersionManifest.read(path.read_bytes(), str(path))
    train = sorted((c for c in manifest.chunks if c.split == "train"), key=lambda c: c.key)
    return {
        "files": sorted(str(p) for p in keep.glob("*.parquet")),
        "train": train,
        "split_bytes": sum(c.bytes for c in train),
        "chunks": len(train),
        "train_rows": sum(c.rows for c in train),
    }


def _throughput(
    server: CountingMotoServer,
    env: dict[str, str],
    work: Path,
    dataset_id: str,
    version: str,
    repeat: int,
    prefix: str,
) -> dict[str, Any]:
    """(b): kdata download of the whole train split vs boto3 download_file of the same objects."""
    split_prefix = f"/{BUCKET}/{prefix}/{dataset_id}/{version}/train/"
    kdata_runs: list[float] = []
    boto_runs: list[float] = []
    kdata_bytes: list[int] = []
    boto_bytes: list[int] = []
    kept: dict[str, Any] = {}
    keys: list[str] = []
    for n in range(repeat):
        out = work / f"kdata-{n}"
        server.counter.reset()
        _, _, text = run_child(_KDATA, env, [json.dumps({"dataset": dataset_id, "out": str(out)})])
        done = json.loads(text)
        kdata_runs.append(done["seconds"])
        kdata_bytes.append(server.counter.served(split_prefix))
        if n == 0:
            kept = _keep_split(out, done["files"], work, env, dataset_id, version)
            keys = [f"{prefix}/{dataset_id}/{version}/{c.key}" for c in kept["train"]]
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
    split_bytes = kept["split_bytes"]
    return {
        "_files": kept["files"],
        "_prefix": split_prefix,
        "split_bytes": split_bytes,
        "chunks": kept["chunks"],
        "train_rows": kept["train_rows"],
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
            window[f"{name}_chunks"] = len({r.path for r in server.counter.requests(split_prefix)})
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
        found[f"select_{name}_chunks"] = int(statistics.median(w[f"{name}_chunks"] for w in windows))
    return found


def _share(d: dict[str, Any], name: str, which: str = "") -> float:
    return float(d[f"select_{name}{which}_bytes"]) / float(d["split_bytes"])


def _mib(n: int) -> str:
    return f"{n / 1024**2:g} MiB"


def _print(r: dict[str, Any]) -> None:
    print("download: (a) --where selecting 1 % of the train split by the sorted dialogue_id, medians of windows")
    for d in r["selective"]:
        print(
            f"  {d['split_bytes'] / 1e6:.1f} MB split ({d['label_mb']} MB label JSON), {d['chunks']} chunks, "
            f"row groups {_mib(d['row_group_bytes'])} Arrow ({d['row_groups']}): all columns "
            f"{d['select_all_bytes']:,} B = {_share(d, 'all'):.2%} (worst {_share(d, 'all', '_max'):.2%}; "
            f"{d['select_all_chunks']} chunk(s) opened), 2 columns {_share(d, 'two'):.2%}; footers of the split "
            f"{d['footer_bytes'] / d['split_bytes']:.2%} (target ≤ {TARGET_SHARE:.0%})"
            + ("  <- main" if d["main"] else ""),
            flush=True,
        )
    for name in ("speech", "dialogue"):
        x = r[name]
        print(
            f"  (b) {name} train split {x['split_bytes'] / 1e6:.1f} MB: kdata download {x['kdata_mb_s']} MB/s "
            f"({x['kdata_s']} s), boto3 download_file {x['boto3_mb_s']} MB/s ({x['boto3_s']} s): "
            f"kdata = {x['throughput_ratio']}× boto3 (target ≥ {TARGET_RATIO}×)",
            flush=True,
        )


def _verdict_small(r: dict[str, Any]) -> str:
    main = next(x for x in r["selective"] if x["main"])
    small = [x for x in r["selective"] if x["label_mb"] == main["label_mb"]]
    met = sorted((x for x in small if _share(x, "all") <= TARGET_SHARE), key=lambda x: x["row_group_bytes"])
    text = f"{_share(main, 'all'):.1%} with {_mib(main['row_group_bytes'])} row groups"
    if met:
        sizes = ", ".join(_mib(x["row_group_bytes"]) for x in met)
        growth = max(x["split_bytes"] for x in met) / main["split_bytes"] - 1
        text += f"; met with {sizes} (the split grows up to {growth:.0%}: smaller row groups compress worse)"
    return text + "."


def _verdict_large(r: dict[str, Any]) -> str:
    main = next(x for x in r["selective"] if x["main"])
    large = [x for x in r["selective"] if x["label_mb"] > main["label_mb"]]
    return "".join(
        f" On the {x['split_bytes'] / 1e6:.0f} MB split, with {_mib(x['row_group_bytes'])} row groups, a 1 % filter "
        f"reads {_share(x, 'all'):.1%} of it."
        for x in large
    )


def section(r: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    d, sp = r["dialogue"], r["speech"]
    main = next(x for x in r["selective"] if x["main"])

    def row(name: str, x: dict[str, Any]) -> str:
        return (
            f"| {name}: {x['split_bytes'] / 1e6:.1f} MB, {x['chunks']} chunks | {x['kdata_mb_s']} MB/s "
            f"({x['kdata_s']} s; runs {x['kdata_runs']}) | {x['boto3_mb_s']} MB/s ({x['boto3_s']} s; runs "
            f"{x['boto3_runs']}) | {x['throughput_ratio']}× (target ≥ {TARGET_RATIO}×) |\n"
        )

    def selective(x: dict[str, Any]) -> str:
        return (
            f"| {x['split_bytes'] / 1e6:.1f} MB, {x['train_rows']:,} rows, {x['chunks']} chunks"
            f"{' (the split of (b))' if x['main'] else ''} | {_mib(x['row_group_bytes'])} → {x['row_groups']} | "
            f"{x['footer_bytes'] / x['split_bytes']:.2%} | "
            f"{min(w['row_groups'] for w in x['windows'])}–{max(w['row_groups'] for w in x['windows'])} | "
            f"{x['select_all_bytes']:,} in "
            f"{x['select_all_requests']} requests, {x['select_all_chunks']} chunk opened | "
            f"**{_share(x, 'all'):.2%}** | {_share(x, 'all', '_max'):.2%} | {_share(x, 'two'):.2%} | "
            f"{_share(x, 'all') / TARGET_SHARE:.2f} |\n"
        )

    rows = sorted(r["selective"], key=lambda x: (x["split_bytes"], x["row_group_bytes"]))
    inputs = " and ".join(f"{mb} MB" for mb in sorted({x["label_mb"] for x in r["selective"]}))
    return (
        "## Selective download and download throughput (S3: moto server over HTTP, `benchmarks/download.py`)\n\n"
        "Bytes are counted where they leave the store: a WSGI wrapper in front of moto's app adds up every "
        "response body it sends (HTTP headers not counted). Every download runs in its own process; the "
        f"server runs in the benchmark's process. Chunks: `KDATA_CHUNK_BYTES={CHUNK_BYTES}`; row groups: "
        "`KDATA_ROW_GROUP_BYTES` (Arrow bytes per row group) as in the table.\n\n"
        "**(a) Selective download.** Train splits of generated Korean dialogues (seed "
        f"{SEED}): {inputs} of label JSON. A small "
        "split measured with several row-group sizes, and one ten times bigger. Filter on the sorted `dialogue_id`, "
        f"1 % of the split's rows each, {len(main['windows'])} windows at seeded random positions (e.g. "
        f"`{main['windows'][0]['where']}`); the median window is reported, the worst beside it. "
        "The download first drops chunks whose zone map (each chunk's min/max per column, kept in the "
        "version manifest) rules the filter out, so only the chunk holding the window is opened; DuckDB then "
        "reads that chunk's footer (a 16 KiB tail read, then the whole footer) and the row groups the "
        "row-group statistics leave: one on the small split, three or four on the big one, where 1 % of the "
        "rows spans several row groups. Smaller row groups shrink the part read and grow the footer (it holds "
        "metadata for every row group × 25 columns, about 3.4 KB per row group), so on a split of a few MB "
        f"the two trade off close to 5 %: {_verdict_small(r)}{_verdict_large(r)}\n\n"
        "| split | row groups (target → count) | footers / split | row groups a window touches | bytes read "
        "(median window) | share of the split | worst window | `--columns dialogue_id,topic` | ratio to target "
        "(≤ 5 %) |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
        + "".join(selective(x) for x in rows)
        + "\n**(b) Whole-chunk download throughput**, `kdata download --split train` (licence check, manifest, "
        "resumable `.part` files, size + sha256 + footer check, audit) vs `boto3.client('s3').download_file` of "
        f"the same objects, medians of {len(sp['kdata_runs'])} interleaved runs, timed inside each process around "
        "the download (imports excluded, client creation included). The generated dialogue text compresses "
        f"about {r['label_mb'] * 0.8 / (d['split_bytes'] / 1e6):.0f}× in Parquet, so its split is too small to "
        "measure a transfer rate (fixed costs dominate); "
        f"the main figure uses the generated Korean speech dataset ({SPEECH}, audio bytes embedded).\n\n"
        "| split | kdata download | boto3 download_file | ratio |\n|---|---|---|---|\n"
        f"{row('speech', sp)}{row('dialogue', d)}\n"
        "Reproduce: `.venv/bin/python -m benchmarks download` (`BENCH_DOWNLOAD_MB` MB of dialogue label JSON, "
        "default 100; `BENCH_DOWNLOAD_LARGE_MB` for the bigger split, default 1000; `BENCH_DOWNLOAD_SPEECH` "
        "speech items, default 8000).\n"
    )
