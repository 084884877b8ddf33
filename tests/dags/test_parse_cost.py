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


def test_light_schema_index_agrees_with_schemas_and_readers() -> None:
    from ingest.readers import READERS
    from schemas.index import SCHEMA_DOMAINS
    from schemas.records import RECORD_SCHEMAS

    assert set(READERS) == set(SCHEMA_DOMAINS)
    assert {name: RECORD_SCHEMAS[name].domain for name in READERS} == SCHEMA_DOMAINS
