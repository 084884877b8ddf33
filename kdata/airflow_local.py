"""``make airflow``: a local Airflow (``airflow standalone``: api-server, scheduler, dag-processor,
triggerer) with this project's DAGs, on the embedded defaults, bound to loopback only."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

__all__ = ["main"]


def main() -> None:
    from kcore.config import load_settings
    from kdata.airflow_env import apply_airflow_environment, setup_airflow

    settings = load_settings()
    os.environ.setdefault("KDATA_HOME", str(settings.home))
    os.environ.setdefault("KDATA_ADMINS", settings.user)  # a local Airflow: its user administers the catalog
    apply_airflow_environment(settings.home)
    os.environ.setdefault("AIRFLOW__API__HOST", "127.0.0.1")
    os.environ.setdefault("AIRFLOW__API__PORT", "8080")
    # standalone starts its components as `airflow` found on PATH: use this environment's.
    bin_dir = str(Path(sys.executable).parent)
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    setup_airflow()
    home = Path(os.environ["AIRFLOW_HOME"])
    port = os.environ["AIRFLOW__API__PORT"]
    print(f"Airflow UI: http://127.0.0.1:{port}  (AIRFLOW_HOME={home})")
    print(f"로그인 login: user 'admin', password in {home / 'simple_auth_manager_passwords.json.generated'}")
    print('DAG: ingest_korean — trigger with conf {"dataset_path": "/path/to/dataset"}', flush=True)
    airflow = shutil.which("airflow", path=bin_dir) or "airflow"
    os.execv(airflow, [airflow, "standalone"])


if __name__ == "__main__":
    main()
