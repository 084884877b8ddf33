"""Pick the object store for a location: :func:`open_store`.

Apart from :mod:`storage.base` so the interface does not import its backends (:mod:`storage.local` and
:mod:`storage.s3` import the interface); this module imports the backend it needs when called.
"""

from __future__ import annotations

from pathlib import Path

from kcore.errors import BadInput
from storage.base import ObjectStore

__all__ = ["open_store"]


def open_store(location: str) -> ObjectStore:
    """The store for ``KDATA_STORE``: a local path (default) or ``s3://bucket/prefix``."""
    if location.startswith("s3://"):
        from storage.s3 import S3Store

        return S3Store.from_url(location)
    if "://" in location:
        raise BadInput(f"KDATA_STORE={location}: expected a local path or s3://bucket/prefix")
    from storage.local import LocalStore

    return LocalStore(Path(location))
