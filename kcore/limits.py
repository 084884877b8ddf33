"""Limits on what one input (an archive, a user's SQL statement) may make the machine do.

Plain frozen settings bundles (standard library only): :func:`kcore.config.load_settings` reads them
from the environment once (``Settings.limits``, ``Settings.sql``) and the stages receive them from
their caller. :class:`ArchiveLimits` holds the bounds the archive safety check (:mod:`ingest.safety`)
and the readers enforce (values in bytes or counts):

| variable | default | what it bounds |
|---|---|---|
| ``KDATA_MAX_MEMBERS`` | 1,000,000 | members (files and folders) in one archive; ~0.5 KB of memory each when listed |
| ``KDATA_MAX_CD_BYTES`` | 512 MiB | size of one archive's central directory (read into memory by ``zipfile``) |
| ``KDATA_MAX_MEMBER_BYTES`` | 4 GiB | declared uncompressed size of one member (a member is read into memory whole) |
| ``KDATA_MAX_ARCHIVE_BYTES`` | 1 TiB | declared uncompressed size of all members of one archive |
| ``KDATA_MAX_RATIO`` | 200 | uncompressed : compressed size, per member and for the whole archive |
| ``KDATA_RATIO_FLOOR_BYTES`` | 1 MiB | the ratio is checked only for members (and archives) larger than this |
| ``KDATA_MAX_ITEM_BYTES`` | 256 MiB | characters of one item of a streamed list-shaped label file |
| ``KDATA_MAX_COPIED_BYTES`` | 256 MiB | bytes of a label file's root values (``$.…`` fields) copied onto its records |
| ``KDATA_MAX_IMAGE_PIXELS`` | 89,478,485 | pixels of one image (Pillow's own bomb limit, here an error not a warning) |
| ``KDATA_ALLOW_NESTED_ARCHIVES`` | 0 | 1 accepts archives inside archives (never read; refused by default) |

:class:`SqlLimits` bounds one ``kdata sql`` statement (``KDATA_SQL_TIMEOUT_S``, ``KDATA_SQL_MEMORY``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

from kcore.errors import BadInput

__all__ = ["ARCHIVE_LIMIT_VARIABLES", "DEFAULT_LIMITS", "ArchiveLimits", "SqlLimits"]

GiB = 1024**3
MiB = 1024**2

ARCHIVE_LIMIT_VARIABLES: dict[str, str] = {
    "max_members": "KDATA_MAX_MEMBERS",
    "max_cd_bytes": "KDATA_MAX_CD_BYTES",
    "max_member_bytes": "KDATA_MAX_MEMBER_BYTES",
    "max_archive_bytes": "KDATA_MAX_ARCHIVE_BYTES",
    "max_ratio": "KDATA_MAX_RATIO",
    "ratio_floor_bytes": "KDATA_RATIO_FLOOR_BYTES",
    "max_item_bytes": "KDATA_MAX_ITEM_BYTES",
    "max_copied_bytes": "KDATA_MAX_COPIED_BYTES",
    "max_image_pixels": "KDATA_MAX_IMAGE_PIXELS",
    "allow_nested_archives": "KDATA_ALLOW_NESTED_ARCHIVES",
}
"""Field of :class:`ArchiveLimits` → the environment variable that sets it."""


@dataclass(frozen=True)
class ArchiveLimits:
    """Bounds on one archive; see the module docstring for the environment variables."""

    max_members: int = 1_000_000
    max_cd_bytes: int = 512 * MiB
    max_member_bytes: int = 4 * GiB
    max_archive_bytes: int = 1024 * GiB
    max_ratio: float = 200.0
    ratio_floor_bytes: int = 1 * MiB
    max_item_bytes: int = 256 * MiB
    max_copied_bytes: int = 256 * MiB
    max_image_pixels: int = 89_478_485
    allow_nested_archives: bool = False

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, bool) and not value > 0:  # also refuses NaN
                raise BadInput(f"{ARCHIVE_LIMIT_VARIABLES[item.name]}: must be positive, got {value}")


DEFAULT_LIMITS = ArchiveLimits()
"""The documented defaults (what an unset environment gives)."""

_MEMORY = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)", re.IGNORECASE)


@dataclass(frozen=True)
class SqlLimits:
    """Limits of one statement (``KDATA_SQL_TIMEOUT_S``, ``KDATA_SQL_MEMORY``, ``KDATA_SQL_MAX_ROWS``)."""

    timeout_s: float = 30.0
    memory: str = "1GB"
    max_rows: int = 1_000_000
    """Rows a result may have: each becomes a Python tuple past DuckDB's memory limit (``range(200000000)``
    took the process to its 7.6 GB address-space cap). ``kdata download --where`` streams any size."""

    def __post_init__(self) -> None:
        if not 0 < self.timeout_s <= 3600:  # also refuses NaN
            raise BadInput(f"KDATA_SQL_TIMEOUT_S={self.timeout_s!r}: expected 0 < seconds <= 3600")
        if not _MEMORY.fullmatch(self.memory):
            raise BadInput(f"KDATA_SQL_MEMORY={self.memory!r}: expected a size such as 512MB or 1GB")
        if not 0 < self.max_rows <= 100_000_000:
            raise BadInput(f"KDATA_SQL_MAX_ROWS={self.max_rows!r}: expected 0 < rows <= 100000000")

    @property
    def memory_bytes(self) -> int:
        """:attr:`memory` in bytes (``1GB`` is 10^9 bytes, ``1GiB`` 2^30, as DuckDB reads them): also the bound
        of a result's values once fetched into Python."""
        found = _MEMORY.fullmatch(self.memory)
        assert found is not None  # checked in __post_init__
        number = float(self.memory[: found.start(2)].strip())
        unit = found.group(2).upper()
        scale = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}[unit]
        return int(number * scale)
