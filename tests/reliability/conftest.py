"""Fixtures of the reliability tests: a small dataset, an uninterrupted reference ingest, the S3 server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.reliability._support import home_env
from tests.storage.conftest import s3_env, s3_server  # noqa: F401 - the moto server fixtures, shared

if TYPE_CHECKING:
    from schemas.contracts import VersionManifest

ITEMS = 40


@pytest.fixture(scope="session")
def small_dataset(sample_factory) -> Path:  # type: ignore[no-untyped-def]
    """40 Korean dialogues in 4 label archives (train and validation): 4 chunks with the small settings."""
    return Path(sample_factory(items=ITEMS, seed=1))


@pytest.fixture(scope="session")
def reference(small_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> VersionManifest:
    """The version manifest of an uninterrupted ingest of :func:`small_dataset` into its own KDATA_HOME."""
    from kcore.config import load_settings
    from kdata import pipeline
    from storage.publish import load_version_manifest
    from storage.stores import open_store

    home = tmp_path_factory.mktemp("reference") / "home"
    settings = load_settings(home_env(home))  # what a kdata process on this home reads (admins, audit key ...)
    result = pipeline.ingest(settings, str(small_dataset))
    assert result["status"] == "published" and not result["already_published"]
    manifest = load_version_manifest(open_store(settings.store), result["dataset_id"], result["version"])
    assert manifest is not None and len(manifest.chunks) >= 4
    return manifest
