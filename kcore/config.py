"""Settings from the environment (see INTERFACE.md), typed and documented.

A plain frozen dataclass checked by hand, not a pydantic model: every ``kdata`` command loads the
settings, and importing pydantic (and building a model class) cost 0.1-0.4 s of each command's start
on these machines. A bad value is a :class:`~kcore.errors.BadInput` naming the variable (exit 2).
"""

from __future__ import annotations

import dataclasses
import getpass
import math
import os
from pathlib import Path
from typing import Any

from kcore.errors import BadInput

__all__ = ["Settings", "load_settings", "redact_url"]

MiB = 1024 * 1024


def _doc(text: str) -> dict[str, str]:
    return {"description": text}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Where things live and how big chunks are."""

    home: Path = dataclasses.field(metadata=_doc("KDATA_HOME: catalog, local object store, reports, runs, quarantine"))
    store: str = dataclasses.field(
        metadata=_doc("KDATA_STORE: a local path or s3://bucket/prefix for published chunks")
    )
    user: str = dataclasses.field(metadata=_doc("KDATA_USER: who is asking (audit log, approvals)"))
    chunk_bytes: int = dataclasses.field(
        default=256 * MiB, metadata=_doc("KDATA_CHUNK_BYTES: target Arrow bytes per chunk (> 0)")
    )
    row_group_bytes: int = dataclasses.field(
        default=64 * MiB, metadata=_doc("KDATA_ROW_GROUP_BYTES: target Arrow bytes per Parquet row group (> 0)")
    )
    lock_timeout: float = dataclasses.field(
        default=30.0, metadata=_doc("KDATA_LOCK_TIMEOUT: seconds to wait for the catalog (>= 0)")
    )
    workers: int = dataclasses.field(
        default=1, metadata=_doc("KDATA_WORKERS: processes extracting archives in kdata ingest (1-64)")
    )
    catalog_url: str | None = dataclasses.field(
        default=None,
        metadata=_doc("KDATA_CATALOG: unset for the embedded DuckDB file, or postgresql://USER@HOST:PORT/DB"),
    )

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise the types once, here
        set_(self, "home", Path(self.home))
        set_(self, "store", str(self.store))
        set_(self, "user", str(self.user))
        set_(self, "chunk_bytes", _integer("KDATA_CHUNK_BYTES", self.chunk_bytes, low=1))
        set_(self, "row_group_bytes", _integer("KDATA_ROW_GROUP_BYTES", self.row_group_bytes, low=1))
        set_(self, "workers", _integer("KDATA_WORKERS", self.workers, low=1, high=64))
        set_(self, "lock_timeout", _seconds("KDATA_LOCK_TIMEOUT", self.lock_timeout))
        set_(self, "catalog_url", _catalog_url(self.catalog_url))

    @property
    def catalog_path(self) -> Path:
        return self.home / "catalog.duckdb"

    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    def to_json(self) -> dict[str, Any]:
        """The fields as JSON values, for a job handed to another process (:meth:`from_json` reads them)."""
        values = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        return {name: str(value) if isinstance(value, Path) else value for name, value in values.items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        """Settings from :meth:`to_json`'s values (checked again)."""
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in names})

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Settings:
        """A copy with some fields replaced (checked again); the name pydantic gave it."""
        return dataclasses.replace(self, **(update or {}))


def _integer(name: str, value: object, low: int, high: int | None = None) -> int:
    bound = f"an integer from {low} to {high}" if high is not None else f"an integer >= {low}"
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str):
        try:
            number = int(value.strip())
        except ValueError:
            number = None
    if number is None or number < low or (high is not None and number > high):
        raise BadInput(f"{name}={value!r}: expected {bound}")
    return number


def _seconds(name: str, value: object) -> float:
    number = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = math.nan
    if math.isnan(number) or number < 0:
        raise BadInput(f"{name}={value!r}: expected seconds >= 0, e.g. 30")
    return number


def _catalog_url(value: object) -> str | None:
    """``KDATA_CATALOG``: unset (the embedded DuckDB file) or a PostgreSQL URL (the shared catalog)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if not text.startswith(("postgresql://", "postgres://")) or len(text.split("://", 1)[1]) == 0:
        raise BadInput(
            f"KDATA_CATALOG={redact_url(text)!r}: expected postgresql://USER@HOST:PORT/DB "
            "(or unset for the embedded DuckDB catalog in KDATA_HOME)"
        )
    return text


def redact_url(url: str) -> str:
    """A URL with its password (``user:secret@``) replaced by ``***``, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, at, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    hidden = f"{user}:***" if ":" in credentials else user
    return f"{scheme}://{hidden}{at}{host}"


def _default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    home = Path(env.get("KDATA_HOME", "./.kdata")).expanduser().absolute()
    values: dict[str, Any] = {
        "home": home,
        "store": env.get("KDATA_STORE") or str(home / "store"),
        "user": env.get("KDATA_USER") or _default_user(),
        "catalog_url": env.get("KDATA_CATALOG") or None,
    }
    for key, name in (
        ("chunk_bytes", "KDATA_CHUNK_BYTES"),
        ("row_group_bytes", "KDATA_ROW_GROUP_BYTES"),
        ("lock_timeout", "KDATA_LOCK_TIMEOUT"),
        ("workers", "KDATA_WORKERS"),
    ):
        if env.get(name):
            values[key] = env[name]
    return Settings(**values)
