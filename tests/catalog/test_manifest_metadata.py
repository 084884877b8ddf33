"""Dataset-page metadata in dataset.yaml: labelling, counts, release status and date, collection."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from schemas.manifest import ManifestError, load_manifest

BASE = """
id: meta-test
title: {ko: 시험, en: Test}
description: {ko: 설명, en: Description}
domain: 한국어
data_type: text
record_schema: korean_dialogue
build_year: 2024
version: 1.1
source: {name: NIA, builders: [구축기관 A, 구축기관 B]}
license: {id: aihub-standard}
"""


def write(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "dataset.yaml"
    path.write_text(BASE + extra, encoding="utf-8")
    return path


def test_all_page_fields_parse(tmp_path: Path) -> None:
    m = load_manifest(
        write(
            tmp_path,
            """
release_status: beta
release_date: 2024-06-28
labeling: {type: {ko: 바운딩박스, en: Bounding boxes}, format: JSON}
counts: {raw: 1200, source: 1000, label: 998, unit: {ko: 장, en: images}}
collection: {ko: 직접 촬영, en: Photographed on site}
""",
        )
    )
    assert (m.release_status, m.release_date) == ("beta", "2024-06-28")  # YAML's date becomes text
    assert m.labeling is not None and (m.labeling.type.ko, m.labeling.format) == ("바운딩박스", "JSON")
    assert (m.counts.raw, m.counts.source, m.counts.label) == (1200, 1000, 998)
    assert m.counts.unit is not None and m.counts.unit.en == "images"
    assert m.source.builders == ["구축기관 A", "구축기관 B"]
    assert m.collection is not None and m.collection.ko == "직접 촬영"


def test_defaults_keep_old_manifests_valid(tmp_path: Path) -> None:
    m = load_manifest(write(tmp_path, ""))
    assert (m.release_status, m.release_date, m.labeling, m.collection) == ("open", None, None, None)
    assert (m.counts.raw, m.counts.source, m.counts.label, m.counts.unit) == (None, None, None, None)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("release_status: released", "release_status"),
        ("release_date: '2024-02-30'", "release_date"),
        ("release_date: '2024-6-1'", "release_date"),
        ("labeling: {type: {ko: 분류, en: Classes}}", "labeling.format"),
        ("counts: {raw: -1}", "counts.raw"),
        ("counts: {label: many}", "counts.label"),
        ("collection: {ko: 만}", "collection.en"),
    ],
)
def test_bad_page_fields_name_the_field(tmp_path: Path, extra: str, field: str) -> None:
    with pytest.raises(ManifestError) as error:
        load_manifest(write(tmp_path, extra))
    assert f"field '{field}'" in str(error.value)
    assert "dataset.yaml" in str(error.value)


def test_impossible_yaml_date_is_a_manifest_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as error:
        load_manifest(write(tmp_path, "release_date: 2024-13-01"))
    assert "month must be in 1..12" in str(error.value)


def test_sample_manifest_carries_the_page_fields(tmp_path: Path) -> None:
    from kdata.samples.korean_dialogue import write_korean_dialogue

    folder = write_korean_dialogue(tmp_path / "ds", items=10)
    data = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    assert {"release_status", "release_date", "labeling", "counts", "collection"} <= set(data)
    m = load_manifest(folder)
    assert m.counts.label == 10 and m.labeling is not None
