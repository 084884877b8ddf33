"""docker-compose.yml is checked by parsing (no Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_services_images_pinned_and_healthchecks() -> None:
    services = _compose()["services"]
    assert {
        "postgres",
        "redis",
        "minio",
        "minio-init",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
    } <= set(services)
    for name, service in services.items():
        image = service.get("image", "")
        assert re.search(r":[\w.-]*\d", image) and not image.endswith(":latest"), f"{name}: image not pinned"
        if name not in ("minio-init", "airflow-init"):
            assert "healthcheck" in service, f"{name} has no healthcheck"
    assert "airflow pools set kdata_catalog 4" in " ".join(services["airflow-init"]["command"])
    assert "mb --ignore-existing local/kdata" in services["minio-init"]["entrypoint"]


def test_environment_follows_the_interface() -> None:
    services = _compose()["services"]
    env = services["airflow-scheduler"]["environment"]
    for key in (
        "KDATA_HOME",
        "KDATA_STORE",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_DEFAULT_REGION",
        "KDATA_USER",
        "KDATA_ADMINS",
        "KDATA_AUDIT_KEY",
        "KDATA_WEB_HOSTS",
    ):
        assert key in env, key
    assert env["KDATA_STORE"].startswith("s3://kdata/")
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
    assert env["AWS_ENDPOINT_URL"] == "http://minio:9000"
    for name in ("airflow-apiserver", "airflow-worker", "airflow-dag-processor"):
        assert services[name]["environment"] == env  # one shared block


def test_hosts_share_only_postgresql_and_the_store() -> None:
    """Issue 19: no shared KDATA_HOME volume; the catalog in its own PostgreSQL database; landing, store and
    run states in MinIO; so ``--scale airflow-worker=4`` (or workers on other machines) needs nothing else."""
    compose = _compose()
    services = compose["services"]
    env = services["airflow-worker"]["environment"]
    assert "kdata-home" not in compose.get("volumes", {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            assert source in ("postgres-db", "minio-data", "./plugins", "./deploy/postgres-init.sh"), (name, volume)
    assert env["KDATA_CATALOG"].startswith("postgresql://kdata:") and env["KDATA_CATALOG"].endswith(
        "@postgres:5432/kdata"
    )
    assert env["KDATA_LANDING"].startswith("s3://kdata/") and env["KDATA_STORE"].startswith("s3://kdata/")
    assert not env["KDATA_HOME"].startswith("/opt/kdata-home")  # a path inside the container, not a volume
    init = (ROOT / "deploy" / "postgres-init.sh").read_text(encoding="utf-8")
    assert "CREATE DATABASE kdata OWNER kdata" in init
    assert (
        "./deploy/postgres-init.sh:/docker-entrypoint-initdb.d/10-kdata-catalog.sh:ro"
        in services["postgres"]["volumes"]
    )


def test_dockerfile_installs_the_locked_project_on_the_same_airflow() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lock = (ROOT / "uv.lock").read_text(encoding="utf-8")
    airflow = re.search(r'name = "apache-airflow"\nversion = "([^"]+)"', lock)
    assert airflow is not None
    assert f"FROM apache/airflow:{airflow.group(1)}-python3.11" in dockerfile
    assert "uv export --frozen" in dockerfile
    for folder in ("kdata", "schemas", "ingest", "quality", "storage", "catalog", "kcore", "dags"):
        assert f"COPY --chown=airflow:root {folder} " in dockerfile
