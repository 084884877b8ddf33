"""The label-mapping engine against the built-in columnar reader, on the same Korean dialogue labels.

Two manifests over one dataset folder: ``record_schema: korean_dialogue`` (the hand-written columnar
reader: Arrow's JSON reader and Arrow compute) and ``labels: {preset: korean_dialogue}`` (the mapping
engine, the same label files described in ``schemas/presets/korean_dialogue.yaml``). Timed two ways,
each in a fresh child process, median of ``BENCH_REPEAT`` (3) runs, the two ways taking turns:

- extract only, in-process (plan + every label archive into checked chunks; imports excluded): the
  engine's own cost;
- ``kdata ingest`` as the user runs it: the whole process, imports (GX included) and the quality gate.

Reproduce: ``.venv/bin/python -m benchmarks mapped`` (BENCH_MAPPED_MB, default 100; BENCH_REPEAT, default 3).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from benchmarks.common import run_child

__all__ = ["run", "section"]

_EXTRACT = """
import json, os, sys, time
from kcore.config import load_settings
from kdata import pipeline
settings = load_settings()
t = time.perf_counter()
planned = pipeline.plan_run(settings, sys.argv[1])
for index in range(planned["units"]):
    pipeline.extract_unit(settings, planned["run_id"], index)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""

_WHOLE = """
import sys
from kdata.cli import main
sys.argv = ["kdata", "ingest", sys.argv[1], "--json"]
main()
"""


def _variant(dataset: Path, target: Path) -> Path:
    """The same folder (hard links) with the labels described by the preset instead of a record schema."""
    if target.exists():
        return target
    shutil.copytree(dataset, target, copy_function=os.link)
    manifest = target / "dataset.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.unlink()  # a hard link: write a new file
    manifest.write_text(text.replace("record_schema: korean_dialogue", "labels: {preset: korean_dialogue}"), "utf-8")
    return target


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def run(work: Path, mb: float | None = None) -> dict[str, Any]:
    from kdata.samples.korean_dialogue import write_korean_dialogue

    mb = mb or float(os.environ.get("BENCH_MAPPED_MB", "100"))
    items = max(100, int(mb * 1e6 / 4000))
    builtin = work / "builtin"
    if not builtin.exists():
        write_korean_dialogue(builtin, items=items, seed=20261202, dialogues_per_file=1000)
    mapped = _variant(builtin, work / "mapped")
    label_mb = sum(i.file_size for p in builtin.rglob("*L_*.zip") for i in zipfile.ZipFile(p).infolist()) / 1e6
    result: dict[str, Any] = {"items": items, "label_mb": round(label_mb, 1)}
    ways = {"builtin": builtin, "mapped": mapped}
    extract: dict[str, list[float]] = {name: [] for name in ways}
    whole: dict[str, list[float]] = {name: [] for name in ways}
    rss = dict.fromkeys(ways, 0.0)
    result["repeat"] = int(os.environ.get("BENCH_REPEAT", "3"))
    for _ in range(result["repeat"]):  # the two ways take turns, so a change in the machine's load falls on both
        for name, folder in ways.items():
            env = {"KDATA_USER": "bench", "KDATA_GX_WORKER": "off"}  # no warm worker: both ways start alike
            home = Path(tempfile.mkdtemp(dir=work, prefix="home-"))
            _, peak, out = run_child(_EXTRACT, {**env, "KDATA_HOME": str(home)}, [str(folder)])
            extract[name].append(float(json.loads(out)["seconds"]))
            shutil.rmtree(home)
            home = Path(tempfile.mkdtemp(dir=work, prefix="home-"))
            start = time.perf_counter()
            _, peak2, out = run_child(_WHOLE, {**env, "KDATA_HOME": str(home)}, [str(folder)])
            whole[name].append(time.perf_counter() - start)
            status = json.loads(out)
            if status.get("status") != "published":
                raise RuntimeError(f"{name}: {status}")
            result[f"{name}_rows"] = sum(status["rows"].values())
            rss[name] = max(rss[name], peak, peak2)
            shutil.rmtree(home)
    for name in ways:
        result[f"{name}_extract_s"] = round(_median(extract[name]), 2)
        result[f"{name}_whole_s"] = round(_median(whole[name]), 2)
        result[f"{name}_extract_runs"] = [round(x, 2) for x in extract[name]]
        result[f"{name}_whole_runs"] = [round(x, 2) for x in whole[name]]
        result[f"{name}_peak_rss_mib"] = round(rss[name])
    result["extract_ratio"] = round(result["builtin_extract_s"] / result["mapped_extract_s"], 2)
    result["whole_ratio"] = round(result["builtin_whole_s"] / result["mapped_whole_s"], 2)
    return result


def section(r: dict[str, Any]) -> str:
    met = r["whole_ratio"] >= 1.0 and r["extract_ratio"] >= 1.0
    verdict = "target met" if met else "target missed (the mapping engine is slower)"
    return (
        "## Label-mapping engine vs the built-in columnar reader (`benchmarks/mapped.py`)\n\n"
        "| way | extract only, in-process (s) | `kdata ingest`, whole process (s) | peak RSS (MiB) | rows |\n"
        "|---|---|---|---|---|\n"
        f"| built-in `record_schema: korean_dialogue` (columnar reader) | {r['builtin_extract_s']} "
        f"{r.get('builtin_extract_runs', '')} | {r['builtin_whole_s']} {r.get('builtin_whole_runs', '')} | "
        f"{r['builtin_peak_rss_mib']} | {r['builtin_rows']:,} |\n"
        f"| `labels: {{preset: korean_dialogue}}` (mapping engine) | {r['mapped_extract_s']} "
        f"{r.get('mapped_extract_runs', '')} | {r['mapped_whole_s']} {r.get('mapped_whole_runs', '')} | "
        f"{r['mapped_peak_rss_mib']} | {r['mapped_rows']:,} |\n"
        f"| mapping engine speed vs built-in | {r['extract_ratio']}× | {r['whole_ratio']}× | | |\n\n"
        f"Input: {r['items']:,} dialogues, {r['label_mb']} MB of label JSON (1,000 dialogues per file); median "
        f"of {r.get('repeat', 3)} runs. "
        f"Target: the mapping engine at least as fast as the columnar reader (≥ 1.0×): {verdict}. "
        "The whole process includes Python and library imports (Great Expectations), plan, extract, the GX "
        "suite, publish and registration (`KDATA_GX_WORKER=off`, so neither way has a warm worker). The two "
        "ways take turns (built-in, mapped, built-in, ...), so a change in the machine's load falls on both. "
        "Runs of one way vary by up to ±20 % on this virtual machine (see the runs): read the ratio as parity "
        "within that, not as a margin (runs of 2026-12-03: 0.92-1.03× extract, 0.97-1.06× whole).\n\n"
        "The mapping engine does more than the built-in reader: it keeps every record whole in `label_json` "
        "(the chunks hold about twice the bytes) and scans that text for personal data too. It gets there by "
        "never building Python objects for a label file the Arrow path reads: msgspec splits the file into "
        "its records' JSON texts (whitespace removed in one call), those texts are both Arrow's input and "
        "`label_json`, and the file is parsed in Python only if a field needs it; the parse runs in a helper "
        "thread while the main thread writes the file before (Arrow releases the GIL). The personal-data "
        "pre-check reads each row's strings verbatim in one text (a row whose `label_json` holds quotes was "
        "scanned a second time, string by string).\n"
    )


if __name__ == "__main__":  # pragma: no cover
    print(json.dumps(run(Path(sys.argv[1])), indent=2))
