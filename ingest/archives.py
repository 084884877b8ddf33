"""Read zip members as streams, never extracting to disk.

Korean member names often lack the UTF-8 flag (0x800) and are stored in CP949; Python would show
them as CP437 mojibake. :func:`member_name` recovers the real name.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kdata.errors import BadInput

__all__ = ["MAX_MEMBER_BYTES", "Member", "iter_members", "list_member_names", "member_name"]

MAX_MEMBER_BYTES = 4 * 1024**3
"""Largest single member we read into memory (label JSON); larger ones are refused by name."""

_UTF8_FLAG = 0x800


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name: UTF-8 when flagged, else CP949 when that decodes, else as stored."""
    if info.flag_bits & _UTF8_FLAG or info.filename.isascii():
        return info.filename
    raw = info.filename.encode("cp437")
    for encoding in ("utf-8", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


@dataclass(frozen=True)
class Member:
    """One file inside an archive."""

    name: str
    size: int
    info: zipfile.ZipInfo


def _open(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise BadInput(f"{path}: not a readable zip archive ({error})") from None


def iter_members(path: Path, suffixes: tuple[str, ...] = ()) -> Iterator[tuple[Member, bytes]]:
    """Yield ``(member, content)`` for each file member (sorted by name), optionally by suffix.

    Content is read member by member: memory holds one member at a time.
    """
    with _open(path) as archive:
        members = [Member(member_name(i), i.file_size, i) for i in archive.infolist() if not i.is_dir()]
        for member in sorted(members, key=lambda m: m.name):
            if suffixes and not member.name.lower().endswith(suffixes):
                continue
            if member.size > MAX_MEMBER_BYTES:
                raise BadInput(f"{path}!{member.name}: member of {member.size} bytes exceeds {MAX_MEMBER_BYTES}")
            try:
                data = archive.read(member.info)
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise BadInput(f"{path}!{member.name}: cannot read member ({error})") from None
            yield member, data


def list_member_names(path: Path) -> list[str]:
    """Names of the file members of an archive (central directory only, no content read)."""
    with _open(path) as archive:
        return sorted(member_name(i) for i in archive.infolist() if not i.is_dir())
