"""Storage stage: an object-store interface (local filesystem, S3), the publish protocol and store checks."""

from storage.base import ObjectStore
from storage.stores import open_store

__all__ = ["ObjectStore", "open_store"]
