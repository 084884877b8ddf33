"""Settings from the environment (see INTERFACE.md), typed and documented."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from pydantic import BaseModel, Field

__all__ = ["Settings", "load_settings"]

MiB = 1024 * 1024


class Settings(BaseModel):
    """Where things live and how big chunks are."""

    home: Path = Field(description="KDATA_HOME: catalog, local object store, reports, runs, quarantine")
    store: str = Field(description="KDATA_STORE: a local path or s3://bucket/prefix for published chunks")
    user: str = Field(description="KDATA_USER: who is asking (audit log, approvals)")
    chunk_bytes: int = Field(default=256 * MiB, gt=0, description="KDATA_CHUNK_BYTES: target Arrow bytes per chunk")
    row_group_bytes: int = Field(
        default=64 * MiB, gt=0, description="KDATA_ROW_GROUP_BYTES: target Arrow bytes per Parquet row group"
    )
    lock_timeout: float = Field(default=30.0, ge=0, description="KDATA_LOCK_TIMEOUT: seconds to wait for the catalog")
    workers: int = Field(
        default=1, ge=1, le=64, description="KDATA_WORKERS: processes extracting archives in kdata ingest"
    )

    @property
    def catalog_path(self) -> Path:
        return self.home / "catalog.duckdb"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    home = Path(env.get("KDATA_HOME", "./.kdata")).expanduser().absolute()
    values: dict[str, object] = {
        "home": home,
        "store": env.get("KDATA_STORE") or str(home / "store"),
        "user": env.get("KDATA_USER") or _default_user(),
    }
    for key, name in (
        ("chunk_bytes", "KDATA_CHUNK_BYTES"),
        ("row_group_bytes", "KDATA_ROW_GROUP_BYTES"),
        ("lock_timeout", "KDATA_LOCK_TIMEOUT"),
        ("workers", "KDATA_WORKERS"),
    ):
        if env.get(name):
            values[key] = env[name]
    return Settings.model_validate(values)
