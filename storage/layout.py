"""Where things live in a store, besides the versions' chunks (standard library only, so that fast command
paths and :mod:`catalog.audit` may import it without pyarrow).

- ``<dataset>/<version>/``: a version (:func:`version_prefix`, written by :mod:`storage.publish`), its
  ``manifest.json`` (:data:`VERSION_MANIFEST`) and its reports under ``quality/``;
- ``_staging/<run_id>/``: a run's chunks before publish copies them (on a remote store, from extraction on);
- ``_runs/<run_id>/``: a run's state on a remote store (:mod:`kdata.run_state`);
- ``_catalog/``: the catalog's audit anchor (:mod:`catalog.audit`).

Dataset ids start with a letter or digit (:mod:`schemas.manifest`), so no version collides with these.
"""

from __future__ import annotations

__all__ = ["CATALOG_PREFIX", "QUALITY_PREFIX", "RUN_STATE", "STAGING", "VERSION_MANIFEST", "version_prefix"]

STAGING = "_staging"
"""A run's staged chunks, ``_staging/<run_id>/<key>``."""
QUALITY_PREFIX = "quality"
"""A published version's quality reports: ``<dataset>/<version>/quality/`` (written before the manifest)."""
CATALOG_PREFIX = "_catalog"
"""The catalog's objects in the store (the audit log's anchor)."""
RUN_STATE = "_runs"
"""A run's state on a remote store, ``_runs/<run_id>/``."""
VERSION_MANIFEST = "manifest.json"
"""A published version's manifest in the store, written last (not a dataset folder's ``dataset.yaml``)."""


def version_prefix(dataset_id: str, version: str) -> str:
    """A published version's folder in the store, ``<dataset>/<version>``."""
    return f"{dataset_id}/{version}"
