"""Attack trial: a published chunk replaced in the store (valid Parquet, other rows) was served as the dataset
by ``kdata sql``, ``kdata download --columns/--where`` and the web app's sample rows; only a whole download
and ``kdata fsck`` noticed. Every reader now checks a chunk against the catalog before it reads it.

Cast as in ``test_access_attacks.py``: ``uploader-lee`` ingests, ``steward-choi`` approves ``mallory``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kcore.config import load_settings
from kdata.web.sample_rows import sample_rows
from storage.stores import open_store
from storage.verify import Damaged, verified_memo
from tests.hostile.test_access_attacks import DATASET, VIEW, kdata

pytestmark = pytest.mark.integration


def _tamper(chunk: Path) -> None:
    """Rewrite ``chunk`` in place as valid Parquet of the same columns, every topic ``TAMPERED``."""
    table = pq.read_table(chunk)
    column = table.schema.get_field_index("topic")
    table = table.set_column(column, "topic", pa.array(["TAMPERED"] * table.num_rows, pa.string()))
    pq.write_table(table, chunk)


def test_a_chunk_replaced_in_the_store_is_served_by_no_reader(
    kdata_home: Path, sample_factory: Any, tmp_path: Path
) -> None:
    dataset = sample_factory(items=12, copy_to=tmp_path / "dataset")
    assert kdata("uploader-lee", "ingest", str(dataset), "--json").exit_code == 0
    assert kdata("tester", "role", "grant", "steward-choi", "steward").exit_code == 0
    assert kdata("steward-choi", "approve", DATASET, "--user", "mallory").exit_code == 0
    count = f"SELECT count(*) AS n FROM {VIEW}"
    good = kdata("mallory", "sql", count, "--format", "csv")
    assert good.exit_code == 0, good.output
    memo = verified_memo(kdata_home)
    assert len(list(memo.iterdir())) >= 1  # the checked chunks are remembered: the next statement only stats
    assert kdata("mallory", "sql", count, "--format", "csv").stdout == good.stdout

    chunks = sorted((kdata_home / "store" / DATASET / "1.0" / "train").glob("*.parquet"))
    _tamper(chunks[0])

    refused = kdata("mallory", "sql", f"SELECT topic FROM {VIEW}", "--format", "csv")
    assert refused.exit_code == 4, refused.output
    assert "kdata fsck" in refused.output and "TAMPERED" not in refused.output
    out = tmp_path / "out"
    subset = kdata("mallory", "download", DATASET, "--out", str(out), "--columns", "topic", "--json")
    assert subset.exit_code != 0 and "kdata fsck" in subset.output
    assert not [p for p in out.rglob("*.parquet")] if out.exists() else True

    settings = load_settings()
    row = {"sha256": "", "content_size": 0, "split": "train", "key": ""}
    from catalog.db import connect

    with connect(settings, read_only=True) as con:
        key, size, sha256 = con.execute(
            "SELECT key, content_size, sha256 FROM chunks WHERE dataset_id = ? ORDER BY key", [DATASET]
        ).fetchone()  # type: ignore[misc]
    row.update(key=key, content_size=size, sha256=sha256)
    with pytest.raises(Damaged):
        sample_rows(open_store(settings.store), row, f"{DATASET}/1.0/{key}", 5, memo)
    assert "train/" + chunks[0].name == key  # the sample chunk is the tampered one


def test_fsck_compares_the_store_with_the_catalog_not_with_the_stores_own_manifest(
    kdata_home: Path, sample_factory: Any, tmp_path: Path
) -> None:
    """Attack trial 9: a store writer who replaced a chunk and rewrote ``manifest.json`` to match (size and
    sha256 of the new bytes) got a clean ``kdata fsck --deep``; readers refused the chunk all along. fsck
    now holds each version's manifest and bytes to what the catalog registered."""
    import hashlib
    import json

    dataset = sample_factory(items=12, copy_to=tmp_path / "dataset")
    assert kdata("uploader-lee", "ingest", str(dataset), "--json").exit_code == 0
    clean = kdata("tester", "fsck", "--deep", "--json")
    assert clean.exit_code == 0 and json.loads(clean.stdout)["clean"], clean.output
    version = kdata_home / "store" / DATASET / "1.0"
    chunk = sorted((version / "train").glob("*.parquet"))[0]
    _tamper(chunk)
    manifest = json.loads((version / "manifest.json").read_text())
    for entry in manifest["chunks"]:
        if entry["key"] == f"train/{chunk.name}":
            entry.update(bytes=chunk.stat().st_size, sha256=hashlib.sha256(chunk.read_bytes()).hexdigest())
    (version / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n")
    found = kdata("tester", "fsck", "--deep", "--json")
    assert found.exit_code == 1, found.output
    key = f"{DATASET}/1.0/train/{chunk.name}"
    problems = [d["problem"] for d in json.loads(found.stdout)["damaged"] if d["key"] == key]
    assert problems[0] == "the manifest differs from the catalog" and problems[1].startswith("size "), problems
