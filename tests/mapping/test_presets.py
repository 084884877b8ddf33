"""Built-in shapes written as presets in the mapping language read the generators' datasets like the
built-in readers do: the same records (ids), the same source files, nothing reported."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from kdata.samples import write_samples
from schemas.kinds import samples
from schemas.labels import load_preset, preset_names
from schemas.records import get_record_schema
from tests.mapping.support import extract

CASES = [
    ("korean_dialogue", "korean_dialogue", "dialogue_id"),
    ("korean_summary", "korean_summary", "document_id"),
    ("korean_speech", "korean_speech", "utterance_id"),
    ("vision_image", "vision_coco", "image_id"),
    ("vision_kfashion", "vision_kfashion", "image_id"),
    ("healthcare_note", "healthcare_note", "note_id"),
    ("healthcare_imaging", "healthcare_imaging", "study_id"),
    ("manufacturing_sensor", "sensor_three_block", "series_id"),
    ("manufacturing_defect", "three_block", "row_key"),
]


def test_every_preset_is_tested_and_names_real_domains() -> None:
    assert {preset for _, preset, _ in CASES} == set(preset_names())
    declared = {(name, sample.preset) for name, (_, sample) in samples().items() if sample.preset is not None}
    assert {(kind, preset) for kind, preset, _ in CASES} == declared  # the kinds' own word (schemas.kinds)
    for name in preset_names():
        domains, mapping = load_preset(name)
        assert domains and mapping.blocks


@pytest.mark.parametrize(("kind", "preset", "id_column"), CASES, ids=[c[1] for c in CASES])
def test_preset_reads_what_the_builtin_reader_reads(
    kind: str, preset: str, id_column: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    builtin = write_samples(kind, tmp_path / "builtin", items=9, layout="classic", seed=11, inject=None)
    manifest = (builtin / "dataset.yaml").read_text(encoding="utf-8")
    schema = next(line.split(": ", 1)[1] for line in manifest.splitlines() if line.startswith("record_schema:"))
    mapped = tmp_path / "mapped"
    shutil.copytree(builtin, mapped, copy_function=os.link)
    (mapped / "dataset.yaml").unlink()
    (mapped / "dataset.yaml").write_text(
        manifest.replace(f"record_schema: {schema}", f"labels: {{preset: {preset}}}"), encoding="utf-8"
    )
    monkeypatch.setenv("KDATA_HOME", str(tmp_path / "home-builtin"))
    rows_builtin, problems_builtin, _ = extract(builtin)
    monkeypatch.setenv("KDATA_HOME", str(tmp_path / "home-mapped"))
    rows, problems, _ = extract(mapped)
    assert problems == problems_builtin == []
    assert len(rows) == len(rows_builtin) == 9
    builtin_id = get_record_schema(schema).id_column
    if id_column != "row_key":
        assert sorted(str(r[id_column]) for r in rows) == sorted(str(r[builtin_id]) for r in rows_builtin)
    assert sorted(str(r["source_file"]) for r in rows) == sorted(str(r["source_file"]) for r in rows_builtin)
    # every row keeps its label object (INTERFACE.md), the built-in readers' the same as the mapping engine's
    assert sorted(r["label_json"] for r in rows_builtin) == sorted(r["label_json"] for r in rows)
    assert all(isinstance(json.loads(r["label_json"]), dict) for r in rows_builtin)
    if "image_valid" in rows[0]:
        assert all(r["image_valid"] for r in rows)
