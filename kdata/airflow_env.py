"""Embedded Airflow defaults for the demo, tests and ``make airflow`` (set before Airflow is imported)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from kcore.config import load_settings

__all__ = [
    "DAGS_FOLDER",
    "PLUGINS_FOLDER",
    "airflow_environment",
    "apply_airflow_environment",
    "setup_airflow",
    "worker_hostname",
]

DAGS_FOLDER = Path(__file__).resolve().parent.parent / "dags"
PLUGINS_FOLDER = Path(__file__).resolve().parent.parent / "plugins"


def airflow_environment(kdata_home: Path) -> dict[str, str]:
    """Environment for a local Airflow whose home is ``$KDATA_HOME/airflow`` (SQLite, no examples)."""
    home = kdata_home / "airflow"
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "GX_ANALYTICS_ENABLED": "False",
    }


def apply_airflow_environment(kdata_home: Path) -> None:
    """Set the embedded defaults where the caller has not set them already."""
    (kdata_home / "airflow").mkdir(parents=True, exist_ok=True)
    for key, value in airflow_environment(kdata_home).items():
        os.environ.setdefault(key, value)


def setup_airflow(env: dict[str, str] | None = None) -> None:
    """Migrate the metadata database and create the catalog pool (never done in DAG code): one slot for the
    embedded DuckDB file (one writer process at a time), four on the shared catalog (``KDATA_CATALOG``), where
    PostgreSQL's transactions keep concurrent writers correct and the pool only throttles them."""
    from kdata.airflow_dags import CATALOG_POOL

    env = dict(os.environ if env is None else env)
    airflow = [sys.executable, "-m", "airflow"]
    subprocess.run([*airflow, "db", "migrate"], check=True, env=env, stdout=subprocess.DEVNULL)
    slots, what = (
        ("4", "catalog writers, a throttle")
        if load_settings(env).catalog_url
        else ("1", "DuckDB catalog writers, one at a time")
    )
    subprocess.run(
        [*airflow, "pools", "set", CATALOG_POOL, slots, f"{what} (카탈로그 쓰기)"],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def worker_hostname() -> str:
    """``[core] hostname_callable`` for workers that share a machine: ``KDATA_WORKER_NAME`` or the host name."""
    import socket

    return load_settings().worker_name or socket.getfqdn()
