from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from schemas.domains import DOMAINS, resolve_domain
from schemas.manifest import ManifestError, load_manifest
from schemas.records import KOREAN_DIALOGUE


def test_all_fourteen_roadmap_domains_with_korean_names() -> None:
    assert len(DOMAINS) == 14
    assert resolve_domain("한국어").id == "korean"
    assert resolve_domain("영상·이미지").id == "vision"
    assert resolve_domain("영상 이미지").id == "vision"
    assert resolve_domain("재난·안전·환경").id == "disaster_safety"
    with pytest.raises(KeyError, match="valid domains"):
        resolve_domain("우주")


def test_sample_manifest_loads(sample_factory) -> None:  # type: ignore[no-untyped-def]
    manifest = load_manifest(sample_factory())
    assert manifest.domain == "korean"
    assert manifest.version == "1.0"
    assert manifest.license.status == "approval_required"
    assert manifest.quality.syntactic_validity == pytest.approx(0.995)


def _write(tmp_path: Path, data: dict[str, object]) -> Path:
    (tmp_path / "dataset.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_bad_manifest_names_every_bad_field(tmp_path: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load((sample_factory() / "dataset.yaml").read_text(encoding="utf-8"))
    data["domain"] = "우주"
    data["build_year"] = "작년"
    del data["title"]["en"]
    with pytest.raises(ManifestError) as caught:
        load_manifest(_write(tmp_path, data))
    message = str(caught.value)
    assert str(tmp_path / "dataset.yaml") in message
    for field in ("field 'domain'", "field 'build_year'", "field 'title.en'"):
        assert field in message
    assert len(caught.value.problems) == 3


def test_an_item_count_past_what_the_catalog_holds_is_refused(tmp_path: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    """Attack trial: ``counts.raw: 1e30`` passed, the version's manifest was written to the store, and
    registering it failed with a DuckDB conversion traceback (exit 1, the version burned)."""
    data = yaml.safe_load((sample_factory() / "dataset.yaml").read_text(encoding="utf-8"))
    data["counts"] = {"raw": 1e30, "label": 10**15}
    with pytest.raises(ManifestError, match=r"field 'counts\.raw'"):
        load_manifest(_write(tmp_path, data))


def test_missing_manifest_and_unknown_field(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"no dataset\.yaml"):
        load_manifest(tmp_path)
    with pytest.raises(ManifestError, match="field 'colour'"):
        load_manifest(_write(tmp_path, {"colour": "blue"}))


def test_version_read_as_text_and_id_checked(tmp_path: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    data = yaml.safe_load((sample_factory() / "dataset.yaml").read_text(encoding="utf-8"))
    data["version"] = 2.1
    assert load_manifest(_write(tmp_path, data)).version == "2.1"
    data["id"] = "Bad Id!"
    with pytest.raises(ManifestError, match="field 'id'"):
        load_manifest(_write(tmp_path, data))
    # attack trial: a trailing newline passed ($ matches before it), and other scripts' digits
    for field, value in (("id", "korean-sns-dialogue\n"), ("version", "1.0\n"), ("version", "１.０")):
        bad = {**data, "id": "korean-sns-dialogue", field: value}
        with pytest.raises(ManifestError, match=f"field '{field}'"):
            load_manifest(_write(tmp_path, bad))


def test_record_schema_derives_arrow_schema_and_docs() -> None:
    schema = KOREAN_DIALOGUE.arrow_schema()
    assert schema.names[0] == "dialogue_id"
    assert not schema.field("dialogue_id").nullable
    assert schema.metadata[b"kdata.record_schema"] == b"korean_dialogue"
    docs = KOREAN_DIALOGUE.column_docs()
    assert [d["column"] for d in docs] == schema.names
    assert all(d["doc_ko"] and d["doc_en"] for d in docs)
    assert "utterances" not in KOREAN_DIALOGUE.check_columns()


def test_json_schema_file_for_editors_is_current() -> None:
    """schemas/dataset.schema.json is what the model says (regenerate: python -m schemas.manifest)."""
    from schemas.manifest import JSON_SCHEMA_FILE, json_schema_text

    assert JSON_SCHEMA_FILE.read_text(encoding="utf-8") == json_schema_text()
    schema = json.loads(json_schema_text())
    assert {"labels", "layout", "record_schema"} <= set(schema["properties"])
    assert "LabelBlock" in schema["$defs"] and "role" in schema["$defs"]["FieldSpec"]["properties"]


def test_patterns_from_dataset_yaml_run_in_linear_time() -> None:
    """An uploader's ``source_stem`` pattern ``^(a+)+b$`` over a file name of 34 a's, or a glob
    ``*a*a*a*a*a*a*a*a*b`` over 200, held a core for minutes under Python's ``re`` (an attack trial): both run
    on RE2 now, and a pattern RE2 cannot run (a backreference) is refused by name."""
    from schemas.labels import StemRewrite, glob_match

    assert StemRewrite(pattern="^(a+)+b$", to="").apply("a" * 5000) == "a" * 5000
    assert not glob_match("*a*a*a*a*a*a*a*a*b", "d/" + "a" * 5000 + ".json")
    assert glob_match("라벨/**/*_QA.json", "라벨/x/y/z_qa.JSON")
    with pytest.raises(ValueError, match="RE2"):
        StemRewrite(pattern=r"(a)\1", to="")
