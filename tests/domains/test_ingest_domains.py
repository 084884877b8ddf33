"""The whole path per domain through the CLI (GX gate, store, catalog): clean data is published and
found by domain; planted defects are refused by the gate with nothing published."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kdata.cli import app
from kdata.samples import kind_domain, mapped_samples, sample_kinds

pytestmark = pytest.mark.integration
runner = CliRunner()
KINDS = [k for k in sample_kinds() if k != "korean_dialogue" and k not in mapped_samples()]  # tests/cli, tests/mapping


def ingest(path: Path) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["ingest", str(path), "--json"])
    return result.exit_code, json.loads(result.stdout)


@pytest.mark.parametrize("kind", KINDS)
def test_clean_dataset_is_published_and_found_by_domain(kind: str, kdata_home: Path, make_samples) -> None:  # type: ignore[no-untyped-def]
    dataset = make_samples(kind, items=8)
    code, result = ingest(dataset)
    assert code == 0, result
    assert result["status"] == "published" and result["verdict"] == "passed", result
    assert result["rows"] == {"train": 7, "validation": 1}
    manifest = json.loads(Path(result["manifest"]).read_text(encoding="utf-8"))
    root = Path(result["manifest"]).parent
    assert sum(pq.read_metadata(root / c["key"]).num_rows for c in manifest["chunks"]) == 8
    domain = kind_domain(kind)
    found = json.loads(runner.invoke(app, ["search", "--domain", domain, "--json"]).stdout)
    assert [d["id"] for d in found] == [result["dataset_id"]]
    assert found[0]["domain"] == domain
    con = duckdb.connect(str(kdata_home / "catalog.duckdb"), read_only=True)
    try:
        schema = con.execute("SELECT record_schema FROM datasets WHERE id = ?", [result["dataset_id"]]).fetchone()
    finally:
        con.close()
    assert schema is not None and schema[0] == ("vision_image" if kind == "vision_kfashion" else kind)


def test_search_by_korean_domain_name(kdata_home: Path, make_samples) -> None:  # type: ignore[no-untyped-def]
    for kind in ("vision_kfashion", "healthcare_note", "manufacturing_defect"):
        assert ingest(make_samples(kind, items=6))[0] == 0
    for name, expected in (
        ("영상·이미지", "vision-kfashion"),
        ("헬스케어", "healthcare-clinical-notes"),
        ("제조", "manufacturing-surface-defect"),
    ):
        found = json.loads(runner.invoke(app, ["search", "--domain", name, "--json"]).stdout)
        assert [d["id"] for d in found] == [expected]


@pytest.mark.parametrize("kind", ["vision_image", "vision_kfashion", "healthcare_imaging", "manufacturing_defect"])
def test_box_outside_the_image_fails_the_gate(kind: str, kdata_home: Path, make_samples) -> None:  # type: ignore[no-untyped-def]
    code, result = ingest(make_samples(kind, items=10, inject="bbox-outside"))
    assert code == 3, result
    assert result["status"] == "quality_failed"
    assert "bbox_inside_image" in result["error"]
    assert not (kdata_home / "store").exists() or not any((kdata_home / "store").rglob("manifest.json"))


def test_clinical_note_with_personal_data_is_blocked(kdata_home: Path, make_samples) -> None:  # type: ignore[no-untyped-def]
    from schemas.manifest import load_manifest

    dataset = make_samples("healthcare_note", items=10, inject="pii")
    assert load_manifest(dataset).quality.pii_policy == "block"
    code, result = ingest(dataset)
    assert code == 3, result
    assert result["status"] == "quality_failed"
    assert "900101-1234568" not in json.dumps(result, ensure_ascii=False)
    assert not any((kdata_home / "store").rglob("manifest.json"))
