"""Limits on what one input archive may make the machine do, and the typed rejection of an unsafe one.

:class:`ArchiveLimits` holds the bounds the archive safety check (:mod:`ingest.safety`) and the
readers enforce; every one can be changed through the environment (values in bytes or counts):

| variable | default | what it bounds |
|---|---|---|
| ``KDATA_MAX_MEMBERS`` | 1,000,000 | members (files and folders) in one archive; ~0.5 KB of memory each when listed |
| ``KDATA_MAX_CD_BYTES`` | 512 MiB | size of one archive's central directory (read into memory by ``zipfile``) |
| ``KDATA_MAX_MEMBER_BYTES`` | 4 GiB | declared uncompressed size of one member (a member is read into memory whole) |
| ``KDATA_MAX_ARCHIVE_BYTES`` | 1 TiB | declared uncompressed size of all members of one archive |
| ``KDATA_MAX_RATIO`` | 200 | uncompressed : compressed size, per member and for the whole archive |
| ``KDATA_RATIO_FLOOR_BYTES`` | 1 MiB | the ratio is checked only for members (and archives) larger than this |
| ``KDATA_MAX_ITEM_BYTES`` | 256 MiB | characters of one item of a streamed list-shaped label file |
| ``KDATA_MAX_IMAGE_PIXELS`` | 89,478,485 | pixels of one image (Pillow's own bomb limit, here an error not a warning) |
| ``KDATA_ALLOW_NESTED_ARCHIVES`` | 0 | 1 accepts archives inside archives (never read; refused by default) |

:class:`UnsafeArchive` is the rejection: a :class:`~kcore.errors.BadInput` (exit 2) with a reason
``code`` from :data:`REASONS`, the archive and, where one is to blame, the member.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields

from kcore.errors import BadInput

__all__ = ["REASONS", "ArchiveLimits", "UnsafeArchive"]

GiB = 1024**3
MiB = 1024**2

REASONS: dict[str, tuple[str, str]] = {
    "path_traversal": ("경로 탈출", "member path leaves the archive (.., absolute path, drive letter)"),
    "unsafe_name": ("허용되지 않는 이름", "member name holds a NUL byte or control characters"),
    "symlink": ("심볼릭 링크", "symbolic link (in the archive, or a dataset file linking outside its folder)"),
    "special_file": ("특수 파일", "device, pipe or socket entry"),
    "duplicate_name": ("중복 이름", "two members with one name (also after Unicode NFC normalisation)"),
    "encrypted": ("암호화됨", "encrypted member"),
    "unsupported_method": ("지원하지 않는 압축 방식", "compression method or zip version not supported"),
    "zip_bomb_ratio": ("압축 폭탄 (압축률)", "compression ratio above the limit"),
    "zip_bomb_size": ("압축 폭탄 (크기)", "declared size above the limit"),
    "too_many_members": ("파일 수 초과", "more members (or a larger directory) than the limit"),
    "overlapping_entries": ("겹치는 항목", "entries share or overlap their data (zip bomb)"),
    "nested_archive": ("중첩 압축파일", "an archive inside the archive"),
    "corrupt_archive": ("손상된 압축파일", "not a readable zip (truncated, corrupt or pieces in the wrong order)"),
    "bad_crc": ("CRC 불일치", "member content does not match its CRC-32 (corrupt or lying header)"),
    "part_gap": ("분할 파일 누락", "a piece of a split archive is missing"),
}
"""Reason code → (한국어, English) of every archive rejection."""


class UnsafeArchive(BadInput):
    """An archive refused before (or, for content defects, while) it is read: exit 2, quarantined.

    The message names the archive (and the member) first, then the reason in Korean and English.
    """

    def __init__(self, code: str, archive: str, detail: str, member: str | None = None) -> None:
        if code not in REASONS:
            raise ValueError(f"unknown rejection code {code!r}")
        self.code = code
        self.archive = archive
        self.member = member
        self.detail = detail
        self.run_id: str | None = None  # set by the pipeline when known (for the quarantine record)
        self.archive_sha256: str | None = None
        ko, en = REASONS[code]
        where = archive + (f"!{member}" if member else "")
        super().__init__(f"{where}: {ko} {en} [{code}]: {detail}")

    def __reduce__(self) -> tuple[type[UnsafeArchive], tuple[str, str, str, str | None]]:
        return type(self), (self.code, self.archive, self.detail, self.member)  # picklable across processes


_ENV: dict[str, str] = {
    "max_members": "KDATA_MAX_MEMBERS",
    "max_cd_bytes": "KDATA_MAX_CD_BYTES",
    "max_member_bytes": "KDATA_MAX_MEMBER_BYTES",
    "max_archive_bytes": "KDATA_MAX_ARCHIVE_BYTES",
    "max_ratio": "KDATA_MAX_RATIO",
    "ratio_floor_bytes": "KDATA_RATIO_FLOOR_BYTES",
    "max_item_bytes": "KDATA_MAX_ITEM_BYTES",
    "max_image_pixels": "KDATA_MAX_IMAGE_PIXELS",
    "allow_nested_archives": "KDATA_ALLOW_NESTED_ARCHIVES",
}


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
    max_image_pixels: int = 89_478_485
    allow_nested_archives: bool = False

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if not isinstance(value, bool) and not value > 0:  # also refuses NaN
                raise BadInput(f"{_ENV[item.name]}: must be positive, got {value}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ArchiveLimits:
        """Defaults overridden by ``KDATA_MAX_*`` variables; :class:`BadInput` naming a bad one."""
        source = os.environ if env is None else env
        values: dict[str, object] = {}
        for item in fields(cls):
            raw = source.get(_ENV[item.name], "").strip()
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
                raise BadInput(f"{_ENV[item.name]}={raw!r}: expected a number") from None
        return cls(**values)  # type: ignore[arg-type]
