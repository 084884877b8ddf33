"""Storage stage: an object-store interface (local filesystem, S3), the publish protocol and downloads."""

from storage.base import ObjectStore, open_store

__all__ = ["ObjectStore", "open_store"]
