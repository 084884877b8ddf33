"""What the benchmarks share beyond :mod:`benchmarks.common`: cached sample datasets and an ingest child
that reports each pipeline stage (seconds and the process's memory high-water mark after it).

The child runs :func:`kdata.pipeline.ingest` itself, as ``benchmarks/ingest.py`` does; the stage
functions it calls (``plan_run``, ``extract_unit``, ``check_quality``, ``gate``, ``publish_run``,
``register_run``) are wrapped in place to time them. The process's own peak RSS comes from
``wait4`` (:func:`benchmarks.common.run_child`); ``VmHWM`` after each stage shows which stage set it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.common import run_child

__all__ = [
    "STAGES",
    "dataset",
    "ingest_child",
    "korean_dialogue",
    "label_bytes",
    "remove_dataset",
    "sample",
    "stage_totals",
]

STAGES = ("plan_run", "extract_unit", "check_quality", "gate", "publish_run", "register_run")
"""The pipeline's stage functions, in the order ``kdata.pipeline.ingest`` calls them."""

_INGEST = """
import json, os, sys, time
from kdata import pipeline
from kcore.config import load_settings
import great_expectations  # import cost is paid once per worker process, not per dataset: keep it out

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0

def high_water():
    return status("VmHWM:")

stages = []

def timed(name, fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            seconds = time.perf_counter() - start
            stages.append({"stage": name, "seconds": seconds, "peak_mib": high_water(), "rss_mib": status("VmRSS:")})
    return wrapper

checks = {"seconds": 0.0, "records": 0}
if os.environ.get("BENCH_TIME_CHECKS") == "1":
    # the per-record checks inside extract (PII scan, masking, content hash): time spent in check()
    from quality.record_checks import RecordChecker
    check = RecordChecker.check
    clock = time.perf_counter

    def timed_check(self, record):
        start = clock()
        try:
            return check(self, record)
        finally:
            checks["seconds"] += clock() - start
            checks["records"] += 1

    RecordChecker.check = timed_check

workers = int(os.environ.get("BENCH_WORKERS", "1"))
for name in json.loads(os.environ["BENCH_STAGES"]):
    if name == "extract_unit" and workers > 1:
        continue  # the pool pickles extract_unit by name: leave it alone
    setattr(pipeline, name, timed(name, getattr(pipeline, name)))
before = high_water()
start = time.perf_counter()
result = pipeline.ingest(load_settings(), sys.argv[1], workers=workers)
seconds = time.perf_counter() - start
report = {"seconds": seconds, "stages": stages, "rows": result["rows"], "import_peak_mib": before, "checks": checks}
print(json.dumps(report))
"""


def ingest_child(
    dataset_path: Path,
    work: Path,
    *,
    workers: int = 1,
    env: dict[str, str] | None = None,
    stages: bool = True,
    time_checks: bool = False,
) -> dict[str, Any]:
    """Ingest ``dataset_path`` in a fresh child process with its own KDATA_HOME under ``work`` (removed after).

    Returns the child's report: ``seconds`` (the ``ingest`` call alone, imports excluded), ``stages``
    (per stage call: seconds, VmHWM and VmRSS MiB after it), ``rows`` per split, ``import_peak_mib`` (after the
    imports), ``checks`` (with ``time_checks``: seconds spent in ``RecordChecker.check`` and records
    checked), and ``peak_rss_mib`` (of the whole child, from ``wait4``) and ``wall_s``.
    """
    work.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(dir=work, prefix="home-"))
    try:
        child_env = {
            "KDATA_HOME": str(home),
            "KDATA_WORKERS": str(workers),
            "BENCH_WORKERS": str(workers),
            "BENCH_STAGES": json.dumps(list(STAGES) if stages else []),
            "BENCH_TIME_CHECKS": "1" if time_checks else "0",
            **(env or {}),
        }
        wall, peak, out = run_child(_INGEST, child_env, [str(dataset_path)])
    finally:
        shutil.rmtree(home, ignore_errors=True)
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    report["peak_rss_mib"] = peak
    report["wall_s"] = wall
    return report


def stage_totals(report: dict[str, Any]) -> dict[str, float]:
    """Seconds per stage name (``extract_unit`` summed over the archives)."""
    totals: dict[str, float] = {}
    for entry in report["stages"]:
        totals[entry["stage"]] = totals.get(entry["stage"], 0.0) + float(entry["seconds"])
    return totals


def label_bytes(dataset_path: Path) -> tuple[int, int]:
    """``(bytes of label JSON, bytes of the largest label member)`` of a dataset (zip directories only)."""
    total = largest = 0
    for archive in sorted(dataset_path.rglob("*.zip")):
        if not archive.name.startswith(("TL_", "VL_")):
            continue
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if info.filename.endswith(".json"):
                    total += info.file_size
                    largest = max(largest, info.file_size)
    return total, largest


def dataset(folder: Path, make: Callable[[Path], dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    """``(folder, info)``: ``folder`` made by ``info = make(folder)`` unless a finished copy is there
    (cached between runs; ``info`` is kept in a marker file beside the folder that says it is complete).
    """
    done = folder.with_name(folder.name + ".done")
    if folder.is_dir() and done.is_file():
        return folder, dict(json.loads(done.read_text(encoding="utf-8")))
    if folder.exists():
        shutil.rmtree(folder)  # a half-written folder from an interrupted run
    done.unlink(missing_ok=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    info = make(folder)
    done.write_text(json.dumps(info) + "\n", encoding="utf-8")
    return folder, info


_GENERATE = """
import json, sys, time
from pathlib import Path
from kdata.samples.korean_dialogue import write_korean_dialogue
start = time.perf_counter()
write_korean_dialogue(Path(sys.argv[1]), **json.loads(sys.argv[2]))
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


_WRITE_SAMPLES = """
import json, sys, time
from pathlib import Path
from kdata.samples import write_samples
kind, kwargs = sys.argv[2], json.loads(sys.argv[3])
start = time.perf_counter()
write_samples(kind, Path(sys.argv[1]), layout="classic", inject=None, **kwargs)
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def sample(folder: Path, kind: str, **kwargs: Any) -> tuple[Path, dict[str, Any]]:
    """A cached sample of any kind (``kdata.samples.write_samples(kind, folder, **kwargs)``, in a child)."""

    def make(target: Path) -> dict[str, Any]:
        return {"kind": kind, **_generate(target, _WRITE_SAMPLES, [kind], kwargs)}

    return dataset(folder, make)


def korean_dialogue(folder: Path, **kwargs: Any) -> tuple[Path, dict[str, Any]]:
    """A cached Korean dialogue sample (``write_korean_dialogue(folder, **kwargs)``, in a child process).

    ``info`` holds the arguments, the generator's seconds and peak RSS, and the label JSON bytes.
    """

    def make(target: Path) -> dict[str, Any]:
        return _generate(target, _GENERATE, [], kwargs)

    return dataset(folder, make)


def _generate(target: Path, code: str, args: list[str], kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run a generator child (``code`` with ``target``, ``args``, JSON ``kwargs``); what it made and cost."""
    _, peak, out = run_child(code, args=[str(target), *args, json.dumps(kwargs)])
    total, largest = label_bytes(target)
    return {
        "kwargs": kwargs,
        "generate_s": round(json.loads(out)["seconds"], 1),
        "generate_peak_rss_mib": round(peak),
        "label_bytes": total,
        "largest_label_bytes": largest,
    }


def remove_dataset(folder: Path) -> None:
    """Delete a cached dataset and its marker."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.with_name(folder.name + ".done").unlink(missing_ok=True)
