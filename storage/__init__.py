"""Storage stage: an object-store interface (local filesystem now, S3 next) and the publish protocol."""

from storage.base import ObjectStore, open_store

__all__ = ["ObjectStore", "open_store"]
