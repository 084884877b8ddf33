"""Settings from the environment (see INTERFACE.md), typed and documented.

The one place ``KDATA_*`` variables are read (``tests/kcore/test_env_reads.py``): a command, DAG task or
worker builds the :class:`Settings` once and hands the stages what they need (the archive limits, the SQL
limits, the admins, the audit key ...); :meth:`Settings.to_json` carries them to other processes.

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
from kcore.limits import ARCHIVE_LIMIT_VARIABLES, DEFAULT_LIMITS, ArchiveLimits, SqlLimits
from kcore.users import check_user_name

__all__ = ["Settings", "keep_private", "load_settings", "redact_url", "retry_delay_seconds"]

MiB = 1024 * 1024
RETRY_DELAY_S = 20.0
"""Seconds between Airflow task retries unless ``KDATA_RETRY_DELAY`` says otherwise."""


def _doc(text: str) -> dict[str, str]:
    return {"description": text}


@dataclasses.dataclass(frozen=True)
class Settings:
    """Where things live, how big chunks are, and the limits, roles and keys the stages are handed."""

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
        default=0,
        metadata=_doc(
            "KDATA_WORKERS: processes extracting archives in kdata ingest (1-64; 0, the default: the CPU "
            "count, at most 4, when the warm worker runs the ingest, else 1)"
        ),
    )
    catalog_url: str | None = dataclasses.field(
        default=None,
        metadata=_doc("KDATA_CATALOG: unset for the embedded DuckDB file, or postgresql://USER@HOST:PORT/DB"),
    )
    limits: ArchiveLimits = dataclasses.field(
        default=DEFAULT_LIMITS, metadata=_doc("KDATA_MAX_*, KDATA_RATIO_FLOOR_BYTES, KDATA_ALLOW_NESTED_ARCHIVES")
    )
    sql: SqlLimits = dataclasses.field(
        default=SqlLimits(),
        metadata=_doc("KDATA_SQL_TIMEOUT_S, KDATA_SQL_MEMORY, KDATA_SQL_MAX_ROWS: limits of one kdata sql statement"),
    )
    quality_batch_rows: int | None = dataclasses.field(
        default=None, metadata=_doc("KDATA_QUALITY_BATCH_ROWS: rows per quality check batch (unset: the built-in)")
    )
    admins: frozenset[str] = dataclasses.field(
        default=frozenset(), metadata=_doc("KDATA_ADMINS: comma-separated users who administer the catalog")
    )
    audit_key: str = dataclasses.field(
        default="",
        repr=False,
        metadata=_doc("KDATA_AUDIT_KEY: the audit chain's key, or file:/path (unset: ~/.config/kdata/audit.key)"),
    )
    web_hosts: tuple[str, ...] = dataclasses.field(
        default=(), metadata=_doc("KDATA_WEB_HOSTS: Host names the web app answers to (unset: loopback)")
    )
    landing: str | None = dataclasses.field(
        default=None, metadata=_doc("KDATA_LANDING: landing zone the landing DAG scans (folder or s3://)")
    )
    gx_worker: str = dataclasses.field(
        default="warm", metadata=_doc("KDATA_GX_WORKER: warm (a resident GX process) or off (in process)")
    )
    gx_worker_idle_s: float = dataclasses.field(
        default=600.0, metadata=_doc("KDATA_GX_WORKER_IDLE_S: seconds an idle GX worker waits before it exits")
    )
    retry_delay: float = dataclasses.field(
        default=RETRY_DELAY_S, metadata=_doc("KDATA_RETRY_DELAY: seconds between Airflow task retries (>= 0)")
    )
    worker_name: str | None = dataclasses.field(
        default=None, metadata=_doc("KDATA_WORKER_NAME: this Airflow worker's host name (unset: the FQDN)")
    )

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise the types once, here
        set_(self, "home", Path(self.home))
        set_(self, "store", str(self.store))
        set_(self, "user", str(self.user))
        set_(self, "chunk_bytes", _integer("KDATA_CHUNK_BYTES", self.chunk_bytes, low=1))
        set_(self, "row_group_bytes", _integer("KDATA_ROW_GROUP_BYTES", self.row_group_bytes, low=1))
        set_(self, "workers", _integer("KDATA_WORKERS", self.workers, low=0, high=64))
        set_(self, "lock_timeout", _seconds("KDATA_LOCK_TIMEOUT", self.lock_timeout))
        set_(self, "catalog_url", _catalog_url(self.catalog_url))
        if isinstance(self.limits, dict):  # from JSON
            set_(self, "limits", ArchiveLimits(**self.limits))
        if isinstance(self.sql, dict):
            set_(self, "sql", SqlLimits(**self.sql))
        if self.quality_batch_rows is not None:
            set_(self, "quality_batch_rows", _integer("KDATA_QUALITY_BATCH_ROWS", self.quality_batch_rows, low=1))
        set_(self, "admins", frozenset(str(name) for name in self.admins))
        set_(self, "audit_key", str(self.audit_key))
        set_(self, "web_hosts", tuple(str(host) for host in self.web_hosts))
        set_(self, "gx_worker", str(self.gx_worker).strip().lower() or "warm")
        set_(self, "retry_delay", _seconds("KDATA_RETRY_DELAY", self.retry_delay))

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
        return {name: _json_value(value) for name, value in values.items()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        """Settings from :meth:`to_json`'s values (checked again)."""
        names = {field.name for field in dataclasses.fields(cls)}
        return cls(**{name: value for name, value in data.items() if name in names})

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Settings:
        """A copy with some fields replaced (checked again); the name pydantic gave it."""
        return dataclasses.replace(self, **(update or {}))


def _json_value(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, ArchiveLimits | SqlLimits):
        return dataclasses.asdict(value)
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return list(value)
    return value


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


def _archive_limits(env: dict[str, str]) -> ArchiveLimits:
    """Defaults overridden by ``KDATA_MAX_*`` variables; :class:`BadInput` naming a bad one."""
    values: dict[str, object] = {}
    for item in dataclasses.fields(ArchiveLimits):
        name = ARCHIVE_LIMIT_VARIABLES[item.name]
        raw = env.get(name, "").strip()
        if not raw:
            continue
        try:
            if item.type in ("bool", bool):
                values[item.name] = raw.lower() in ("1", "true", "yes", "on")
            elif item.type in ("float", float):
                values[item.name] = float(raw)
            else:
                values[item.name] = int(raw.replace("_", ""))
        except ValueError:
            raise BadInput(f"{name}={raw!r}: expected a number") from None
    return ArchiveLimits(**values) if values else DEFAULT_LIMITS  # type: ignore[arg-type]


def _sql_limits(env: dict[str, str]) -> SqlLimits:
    timeout_text = env.get("KDATA_SQL_TIMEOUT_S") or str(SqlLimits.timeout_s)
    memory = (env.get("KDATA_SQL_MEMORY") or SqlLimits.memory).strip()
    try:
        timeout = float(timeout_text)
    except ValueError:
        raise BadInput(f"KDATA_SQL_TIMEOUT_S={timeout_text!r}: expected seconds, e.g. 30") from None
    if not 0 < timeout <= 3600:
        raise BadInput(f"KDATA_SQL_TIMEOUT_S={timeout_text!r}: expected 0 < seconds <= 3600")
    rows_text = (env.get("KDATA_SQL_MAX_ROWS") or str(SqlLimits.max_rows)).replace("_", "").strip()
    try:
        max_rows = int(rows_text)
    except ValueError:
        raise BadInput(f"KDATA_SQL_MAX_ROWS={rows_text!r}: expected a number of rows, e.g. 1000000") from None
    return SqlLimits(timeout, memory, max_rows)


def _names(raw: str) -> list[str]:
    """A comma-separated list, blanks dropped."""
    return [name.strip() for name in raw.split(",") if name.strip()]


def _idle_seconds(raw: str) -> float:
    try:
        return max(1.0, float(raw.strip() or "600"))
    except ValueError:
        return 600.0


def retry_delay_seconds(env: dict[str, str] | None = None) -> float:
    """``KDATA_RETRY_DELAY`` alone, checked as :func:`load_settings` checks it: for the DAG factory's
    ``default_args``, built when Airflow imports the DAG file, so that a bad value of another variable fails
    the tasks that read it instead of the import of every DAG (and the import reads nothing else)."""
    raw = (os.environ if env is None else env).get("KDATA_RETRY_DELAY")
    return _seconds("KDATA_RETRY_DELAY", raw) if raw else RETRY_DELAY_S


_PRIVATE_HOMES: set[Path] = set()


def keep_private(home: Path) -> None:
    """Files this process creates are its owner's alone (umask 077), and ``home`` is closed to other users
    (0700 when this user owns it): the catalog, the local store's chunks and the reports are read through
    kdata's one access decision, never straight off the disk by another account (they were 0644 in a 0755
    home: any local user read restricted rows and the approvals)."""
    os.umask(os.umask(0o077) | 0o077)
    if home in _PRIVATE_HOMES:
        return
    _PRIVATE_HOMES.add(home)
    try:
        status = home.stat()
    except OSError:
        return  # made later, under the umask: 0700
    if status.st_uid == os.getuid() and status.st_mode & 0o077:
        home.chmod(status.st_mode & 0o700)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings from ``env`` (default: the process environment): the one place ``KDATA_*`` variables are
    read (except the fault points of :mod:`kcore.faults`, read at import). With the process environment, the
    home is kept private (:func:`keep_private`)."""
    own = env is None
    env = dict(os.environ if env is None else env)
    home = Path(env.get("KDATA_HOME", "./.kdata")).expanduser().absolute()
    if own:
        keep_private(home)
    values: dict[str, Any] = {
        "home": home,
        "store": env.get("KDATA_STORE") or str(home / "store"),
        "user": check_user_name(env.get("KDATA_USER") or _default_user(), "KDATA_USER"),
        "catalog_url": env.get("KDATA_CATALOG") or None,
        "limits": _archive_limits(env),
        "sql": _sql_limits(env),
        "admins": frozenset(_names(env.get("KDATA_ADMINS", ""))),
        "audit_key": env.get("KDATA_AUDIT_KEY", ""),
        "web_hosts": tuple(_names(env.get("KDATA_WEB_HOSTS", ""))),
        "landing": env.get("KDATA_LANDING") or None,
        "gx_worker": env.get("KDATA_GX_WORKER", "warm"),
        "gx_worker_idle_s": _idle_seconds(env.get("KDATA_GX_WORKER_IDLE_S", "600")),
        "worker_name": env.get("KDATA_WORKER_NAME") or None,
    }
    batch_rows = env.get("KDATA_QUALITY_BATCH_ROWS", "").strip().replace("_", "")
    if batch_rows:
        values["quality_batch_rows"] = batch_rows
    for key, name in (
        ("chunk_bytes", "KDATA_CHUNK_BYTES"),
        ("row_group_bytes", "KDATA_ROW_GROUP_BYTES"),
        ("lock_timeout", "KDATA_LOCK_TIMEOUT"),
        ("workers", "KDATA_WORKERS"),
        ("retry_delay", "KDATA_RETRY_DELAY"),
    ):
        if env.get(name):
            values[key] = env[name]
    return Settings(**values)
