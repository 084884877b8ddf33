"""Selective download reads little: a ~1 % filter on a sorted column pulls a small fraction of the split.

Bytes are counted where they leave the store: every response body moto's HTTP server sends.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kdata.cli import app
from tests.storage.conftest import S3Env, publish_synthetic

pytestmark = pytest.mark.integration
runner = CliRunner()
DATASET = "korean-sns-dialogue"
ROWS = 10_000


def test_one_percent_filter_reads_a_small_fraction(s3_env: S3Env, sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    manifest = publish_synthetic(
        sample_factory(items=20),
        tmp_path / "work",
        {"train": ROWS, "validation": 100},
        chunk_bytes=12_000_000,
        row_group_bytes=400_000,
        batch_rows=100,
        utterances=40,
    )
    train = [c for c in manifest["chunks"] if c["split"] == "train"]
    split_bytes = sum(c["bytes"] for c in train)
    assert len(train) >= 2 and sum(pq.read_metadata(tmp_path / "work" / c["key"]).num_row_groups for c in train) >= 100
    split_path = s3_env.path(f"{DATASET}/1.0/train/")
    low, high = (
        6_051,
        6_050 + ROWS // 100,
    )  # not aligned to row groups: touches two  # 1 % of the rows, by the sorted id
    where = f"dialogue_id BETWEEN 'KSNS_{low:08d}' AND 'KSNS_{high:08d}'"

    s3_env.server.reset()
    result = runner.invoke(
        app, ["download", DATASET, "--out", str(tmp_path / "out"), "--split", "train", "--where", where, "--json"]
    )
    assert result.exit_code == 0, result.output
    read_all_columns = s3_env.server.served(split_path)
    summary = json.loads(result.stdout)
    subset = pq.read_table(summary["files"][0])
    assert subset.num_rows == ROWS // 100 == summary["rows"]["train"]
    assert subset["dialogue_id"].to_pylist() == [f"KSNS_{n:08d}" for n in range(low, high + 1)]

    s3_env.server.reset()
    result = runner.invoke(
        app,
        [
            "download",
            DATASET,
            "--out",
            str(tmp_path / "out"),
            "--split",
            "train",
            "--where",
            where,
            "--columns",
            "dialogue_id,topic",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    read_two_columns = s3_env.server.served(split_path)

    fraction_all, fraction_two = read_all_columns / split_bytes, read_two_columns / split_bytes
    print(  # the figure the report quotes
        f"\nsplit {split_bytes:,} B in {len(train)} chunks; 1 % filter read {read_all_columns:,} B "
        f"({fraction_all:.2%}); with 2 columns {read_two_columns:,} B ({fraction_two:.2%})"
    )
    assert 0 < read_all_columns < 0.06 * split_bytes  # footers of every chunk + the two row groups touched
    assert 0 < read_two_columns <= read_all_columns
