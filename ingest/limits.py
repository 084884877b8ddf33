"""The typed rejection of an unsafe archive, and its reasons.

The bounds themselves (:class:`~kcore.limits.ArchiveLimits`, ``KDATA_MAX_*``) are settings: they live in
:mod:`kcore.limits` and reach the readers from their caller (``Settings.limits``).

:class:`UnsafeArchive` is the rejection: a :class:`~kcore.errors.BadInput` (exit 2) with a reason
``code`` from :data:`REASONS`, the archive and, where one is to blame, the member.
"""

from __future__ import annotations

from kcore.errors import BadInput

__all__ = ["REASONS", "UnsafeArchive"]

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
