"""DAG files stay light: parsing them imports none of the heavy libraries (the cause of slow parses).

The parse time itself is measured and printed here (and tracked in BENCHMARKS.md), not asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from kdata.airflow_env import DAGS_FOLDER

HEAVY = ("pyarrow", "duckdb", "pandas", "great_expectations", "boto3", "numpy", "PIL")

_PROBE = """
import json, sys, time, runpy
import airflow.sdk  # the parser has Airflow loaded already
before = set(sys.modules)
t = time.perf_counter()
runpy.run_path(sys.argv[1])
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "new": sorted(set(sys.modules) - before)}))
"""


def test_dag_files_import_no_heavy_modules() -> None:
    files = sorted(DAGS_FOLDER.glob("*.py"))
    assert files
    for path in files:
        proc = subprocess.run(
            [sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True, env=os.environ.copy(), check=True
        )
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        heavy = sorted({m.split(".")[0] for m in result["new"]} & set(HEAVY))
        print(f"{path.name}: parsed in {result['seconds'] * 1000:.0f} ms")
        assert heavy == [], f"{path.name} imports {heavy} at parse time"


def test_reading_the_kind_registry_imports_no_heavy_module() -> None:
    """The DAG factory and the manifest check read every kind declaration: that must stay light."""
    code = "import json, sys; from schemas.kinds import kinds; kinds(); print(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in json.loads(proc.stdout)}
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
