"""Local-filesystem object store (the embedded default under ``$KDATA_HOME/store``)."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

from kcore.atomic import atomic_path
from kcore.digest import sha256_file
from storage.base import ObjectStore

__all__ = ["LocalStore"]


class LocalStore(ObjectStore):
    """Objects are files under ``root``; writes go to a temporary file, then an atomic rename."""

    def __init__(self, root: Path) -> None:
        self.root = root.absolute()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"key {key!r} escapes the store")
        return path

    def uri(self, key: str) -> str:
        return str(self._path(key))

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def root_uri(self) -> str:
        return str(self.root)

    def _temp_beside(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=path.parent)
        os.close(fd)
        return Path(name)

    def put_file(self, local: Path, key: str) -> None:
        _copy(local, self._path(key))

    def put_immutable(self, local: Path, key: str) -> bool:
        """A hard link to ``local`` when it sits on the store's file system (a run's chunks under
        ``KDATA_HOME`` and the default store do), else a copy. Only for files nobody writes again: the object
        and ``local`` are one file."""
        return self._link_or_copy(local, self._path(key))

    def _link_or_copy(self, source: Path, target: Path) -> bool:
        """``target`` becomes ``source``'s file (an atomic replace of a hard link; ``True``), or a copy of it
        where the file system refuses links (another device, no link support; ``False``)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")  # a name only: link makes the file
        try:
            os.link(source, temp)
        except OSError:  # EXDEV, EPERM, EMLINK, ENOTSUP: copy instead
            _copy(source, target)
            return False
        try:
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return True

    def put_bytes_exclusive(self, key: str, data: bytes) -> bool:
        path = self._path(key)
        temp = self._temp_beside(path)
        try:
            temp.write_bytes(data)
            with open(temp, "rb+") as handle:
                os.fsync(handle.fileno())
            try:  # not kcore.atomic (it replaces): a hard link never overwrites a key another writer made
                os.link(temp, path)  # atomic and exclusive: fails if the key exists
            except FileExistsError:
                return False
            return True
        finally:
            temp.unlink(missing_ok=True)

    def get_bytes(self, key: str) -> bytes | None:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def sha256(self, key: str) -> str | None:
        path = self._path(key)
        return sha256_file(path) if path.is_file() else None

    def copy(self, src: str, dst: str) -> bool:
        """Objects are written whole and replaced, never changed in place, so a copy is a hard link."""
        return self._link_or_copy(self._path(src), self._path(dst))

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self, prefix: str) -> list[str]:
        base = self._path(prefix) if prefix else self.root
        if not base.exists():
            return []
        return sorted(
            p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file() and not p.name.startswith(".")
        )

    def download(self, key: str, local: Path) -> None:
        local.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._path(key), local)


def _copy(source: Path, target: Path) -> None:
    with atomic_path(target, fsync=False, mode=0o600) as temp:  # 0o600: as mkstemp made it
        shutil.copyfile(source, temp)
