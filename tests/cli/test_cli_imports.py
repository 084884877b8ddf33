"""The command line imports only what a command needs (issue 18): which modules each fast path loads, checked
in fresh processes. Timings live in ``benchmarks/cli.py``, never here.

Also: the plain coercion of :mod:`kdata.typer_plain` gives the values (and errors) Typer's own gives.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HEAVY = frozenset(
    {
        "pyarrow",
        "pandas",
        "numpy",
        "pydantic",
        "pydantic_core",
        "great_expectations",
        "boto3",
        "botocore",
        "airflow",
        "scipy",
        "sqlalchemy",
        "fastapi",
        "uvicorn",
        "markdown_it",  # Typer's rich help only
    }
)
"""Never on the paths below (each costs 0.05-2 s of start-up here)."""

_PROBE = """
import json, os, runpy, sys
sys.argv = ["kdata", *json.loads(os.environ["PROBE_ARGS"])]
code = 0
try:
    runpy.run_module("kdata", run_name="__main__")
except SystemExit as exit:
    code = exit.code or 0
with open(os.environ["PROBE_OUT"], "w", encoding="utf-8") as out:
    json.dump({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}, out)
"""


def _probe(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, set[str], str]:
    """Run ``kdata ARGS`` in a fresh interpreter; (exit code, top-level modules loaded, stdout)."""
    out = tmp_path / "probe.json"
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env={**os.environ, **(env or {}), "PROBE_ARGS": json.dumps(list(args)), "PROBE_OUT": str(out)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.exists(), proc.stderr
    found = json.loads(out.read_text(encoding="utf-8"))
    return found["code"], set(found["modules"]), proc.stdout


def test_importing_the_cli_loads_no_library_of_a_command(tmp_path: Path) -> None:
    code = "import json, sys, kdata.cli; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path, timeout=120
    )
    loaded = set(json.loads(proc.stdout))
    assert not loaded & (HEAVY | {"duckdb", "rich", "yaml"}), sorted(loaded & (HEAVY | {"duckdb", "rich", "yaml"}))
    assert "typer" in loaded


def test_help_loads_typer_and_rich_only(tmp_path: Path) -> None:
    code, loaded, stdout = _probe(tmp_path, "--help")
    assert code == 0
    assert "search" in stdout and "sql" in stdout
    assert not loaded & (HEAVY | {"duckdb", "yaml"}), sorted(loaded & (HEAVY | {"duckdb", "yaml"}))


@pytest.fixture(scope="module")
def catalog_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A catalog of three synthetic datasets (one open, so its data.* view is readable)."""
    from benchmarks.synthetic import manifest, register_many, tiny_parquet
    from kcore.config import load_settings

    home = tmp_path_factory.mktemp("cli-imports") / "home"
    settings = load_settings({**os.environ, "KDATA_HOME": str(home), "KDATA_USER": "tester"})
    manifests = [
        manifest(
            "kd-open",
            title={"ko": "자율주행 영상 데이터", "en": "Driving video"},
            license={"id": "CC-BY-4.0", "status": "open"},
        ),
        manifest("kd-speech", title={"ko": "방언 음성 데이터", "en": "Dialect speech"}),
        manifest("kd-law", title={"ko": "법률 판례 요약", "en": "Legal precedent summary"}),
    ]
    register_many(settings, manifests, tiny_parquet(home / "store" / "synthetic"))  # inside the store: readable
    yield home


def _env(home: Path) -> dict[str, str]:
    return {"KDATA_HOME": str(home), "KDATA_USER": "tester", "COLUMNS": "120"}


@pytest.mark.parametrize("as_json", [True, False])
def test_search_loads_no_dataframe_arrow_or_model_library(tmp_path: Path, catalog_home: Path, as_json: bool) -> None:
    args = ["search", "자율주행", *(["--json", "--limit", "5"] if as_json else [])]
    code, loaded, stdout = _probe(tmp_path, *args, env=_env(catalog_home))
    assert code == 0
    if as_json:
        assert [row["id"] for row in json.loads(stdout)] == ["kd-open"]
    else:
        assert "kd-open" in stdout
    forbidden = HEAVY | ({"rich"} if as_json else set())
    assert not loaded & forbidden, sorted(loaded & forbidden)
    assert "duckdb" in loaded


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_sql_select_1_loads_no_dataframe_arrow_or_model_library(tmp_path: Path, catalog_home: Path, fmt: str) -> None:
    code, loaded, stdout = _probe(tmp_path, "sql", "SELECT 1 AS one", "--format", fmt, env=_env(catalog_home))
    assert code == 0
    if fmt == "json":
        assert json.loads(stdout) == [{"one": 1}]
    forbidden = HEAVY | ({"rich"} if fmt != "table" else set())
    assert not loaded & forbidden, sorted(loaded & forbidden)


def test_sql_over_a_data_view_decides_access_and_audits_without_pandas(tmp_path: Path, catalog_home: Path) -> None:
    """The access decision (live catalog, roles) and the audit row still happen, on inlined literals."""
    from catalog.db import connect
    from kcore.config import load_settings

    settings = load_settings({**os.environ, "KDATA_HOME": str(catalog_home), "KDATA_USER": "tester"})
    query = 'SELECT count(*) AS n FROM data."kd_open__train"'
    code, loaded, stdout = _probe(tmp_path, "sql", query, "--format", "json", env=_env(catalog_home))
    assert code == 0, stdout
    assert json.loads(stdout) == [{"n": 0}]  # the synthetic chunks are one empty Parquet file
    assert not loaded & HEAVY, sorted(loaded & HEAVY)
    with connect(settings, read_only=True, live=True) as con:
        rows = con.execute("SELECT dataset_id, actor FROM audit_log WHERE action = 'sql'").fetchall()
    assert ("kd-open", "tester") in rows
    # a dataset that needs an approval the user lacks is still refused, also on this path
    code, loaded, _ = _probe(
        tmp_path, "sql", 'SELECT count(*) FROM data."kd_speech__train"', env={**_env(catalog_home), "KDATA_USER": "kim"}
    )
    assert code == 4
    assert not loaded & HEAVY, sorted(loaded & HEAVY)


def test_sql_still_refuses_unknown_names_and_restricted_tables(tmp_path: Path, catalog_home: Path) -> None:
    env = {**_env(catalog_home), "KDATA_USER": "kim"}
    assert _probe(tmp_path, "sql", "SELECT * FROM no_such_table", env=env)[0] == 4
    assert _probe(tmp_path, "sql", 'SELECT * FROM data."nope__train"', env=env)[0] == 4
    assert _probe(tmp_path, "sql", "SELECT * FROM audit_log", env=env)[0] == 4
    assert _probe(tmp_path, "sql", "SELECT count(*) FROM datasets", "--format", "csv", env=env)[0] == 0


# --- kdata.typer_plain: the same values as Typer's own coercion ----------------------------------------


def _params() -> list[Any]:
    import typer.main

    from kdata.cli import app

    found = []

    def walk(command: Any) -> None:
        for sub in getattr(command, "commands", {}).values():
            walk(sub)
        found.extend(getattr(command, "params", []))

    walk(typer.main.get_command(app))
    return found


SAMPLES: tuple[Any, ...] = (
    "",
    "자율주행 영상",
    " 7",
    "7 ",
    "07",
    "-0",
    "0",
    "-12",
    "12",
    "1_000",
    "٣",
    "3.0",
    "abc",
    "\udcff",
    7,
    -3,
    True,
    False,
    2.5,
)


def test_plain_coercion_installed_and_equal_to_typers() -> None:
    from typer._click import Context
    from typer._click.exceptions import BadParameter
    from typer._coercion import build_runtime_param

    from kdata import typer_plain

    params = _params()  # imports kdata.cli, which installs it
    assert typer_plain.installed()
    checked = 0
    for param in params:
        if not typer_plain._plain_kind(param):
            continue
        ctx = Context(_dummy_command())
        ours = param.get_runtime_param()
        theirs = build_runtime_param(param.type_descriptor)
        assert type(ours).__name__ == "PlainRuntimeParam"
        for value in SAMPLES:
            outcomes = []
            for runtime in (ours, theirs):
                try:
                    result = runtime.coerce(value, param=param, ctx=ctx)
                    outcomes.append(("ok", type(result), result))
                except BadParameter as error:
                    outcomes.append(("error", None, error.message))
            assert outcomes[0] == outcomes[1], (param.name, value, outcomes)
            checked += 1
    assert checked > 100


def _dummy_command() -> Any:
    import typer.main

    from kdata.cli import app

    return typer.main.get_command(app)
