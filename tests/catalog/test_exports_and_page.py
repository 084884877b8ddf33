"""A real ingest, then: the dataset page (`kdata show`), Croissant read back with mlcroissant, DCAT."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from catalog.croissant import CONTEXT, field_for, record_sets
from ingest.chunks import sha256_file
from schemas.records import RECORD_SCHEMAS, get_record_schema

pytestmark = pytest.mark.integration

DATASET = "korean-sns-dialogue"


@pytest.fixture(scope="module")
def ingested(
    module_home: Path, sample_factory: Any, home_env: Callable[..., Any], cli_json: Callable[..., Any]
) -> Iterator[dict[str, Any]]:
    with home_env(module_home):
        result = cli_json("ingest", str(sample_factory(items=60)), "--json")
        assert result["status"] == "published"
        yield result


@pytest.fixture
def home(ingested: dict[str, Any], module_home: Path, home_env: Callable[..., Any]) -> Iterator[Path]:
    with home_env(module_home):
        yield module_home


def test_show_json_has_every_field_of_the_dataset_page(home: Path, cli_json: Callable[..., Any]) -> None:
    page = cli_json("show", DATASET, "--json")
    assert (page["name_ko"], page["name_en"]) == ("한국어 SNS 대화 데이터", "Korean SNS dialogue")
    assert page["description_ko"].startswith("메신저와 SNS") and page["description_en"].startswith("Korean everyday")
    assert (page["domain"], page["domain_ko"], page["data_type"]) == ("korean", "한국어", "text")
    assert page["encoding_formats"] == ["json", "txt"]
    assert (page["publisher"], page["source_url"]) == ("한국지능정보사회진흥원 (NIA)", "https://aihub.or.kr")
    assert page["labeling_type_ko"].startswith("대화 주제") and page["labeling_format"] == "JSON"
    assert (page["build_year"], page["date_modified"], page["release_status"]) == (2024, "2024-10", "open")
    assert (page["raw_count"], page["source_count"], page["label_count"], page["count_unit_ko"]) == (60, 60, 60, "대화")
    [version] = page["versions"]
    assert (version["version"], version["date_published"], version["release_status"]) == ("1.0", "2024-10-30", "open")
    assert version["version_note"] == "최초 개방 (initial release)"
    assert {s["split"]: s["record_count"] for s in version["splits"]} == {"train": 48, "validation": 12}
    assert version["content_size"] == sum(s["content_size"] for s in version["splits"])
    license = page["license"]
    assert (license["license_id"], license["status"], license["status_ko"]) == (
        "aihub-standard",
        "approval_required",
        "승인 필요",
    )
    assert (
        license["commercial_use"],
        license["modification"],
        license["domestic_only"],
        license["redistribution"],
    ) == (
        True,
        True,
        True,
        False,
    )
    assert license["attribution"] == "Open AI Dataset Project (AI-Hub, S. Korea)"
    assert page["quality"]["verdict"] == "passed"
    assert all({"category_ko", "item_ko", "target", "result"} <= set(i) for i in page["quality"]["items"])
    assert {c["column"] for c in page["columns"]} >= {"dialogue_id", "utterances"}


def test_show_table_is_korean_first(home: Path, cli: Callable[..., Any]) -> None:
    result = cli("show", DATASET)
    assert result.exit_code == 0, result.output
    for label in (
        "라벨링 유형",
        "구축량",
        "공개 상태",
        "결과물 상업적 이용",
        "내국인만",
        "정량목표",
        "결과값",
        "공개일",
    ):
        assert label in result.output, label


def test_croissant_reads_back_with_mlcroissant(home: Path, ingested: dict[str, Any], cli: Callable[..., Any]) -> None:
    import mlcroissant as mlc

    version_root = Path(ingested["manifest"]).parent
    target = version_root / "croissant.json"
    assert cli("export", "croissant", DATASET, "--out", str(target)).exit_code == 0
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.0" and doc["version"] == "1.0.0"
    assert doc["@context"] == CONTEXT
    files = [d for d in doc["distribution"] if d["@type"] == "cr:FileObject"]
    manifest = json.loads(Path(ingested["manifest"]).read_text(encoding="utf-8"))
    assert len(files) == len(manifest["chunks"]) == ingested["chunks"]
    for item in files:
        path = Path(item["contentUrl"])
        assert item["encodingFormat"] == "application/x-parquet"
        assert item["sha256"] == sha256_file(path)
        assert item["contentSize"] == f"{path.stat().st_size} B"
    file_sets = {d["@id"]: d for d in doc["distribution"] if d["@type"] == "cr:FileSet"}
    assert set(file_sets) == {"train-chunks", "validation-chunks"}
    assert doc["rai:personalSensitiveInformation"].endswith("(policy: block).")
    assert "rai:dataCollection" in doc and "rai:dataAnnotationProtocol" in doc
    assert doc["creator"] == [{"@type": "sc:Organization", "name": "한국지능정보사회진흥원 (NIA)"}]
    assert "승인 필요" in doc["conditionsOfAccess"] and "domestic users only" in doc["conditionsOfAccess"]

    dataset = mlc.Dataset(jsonld=target)
    assert not dataset.metadata.ctx.issues.errors
    records = list(dataset.records("validation"))
    assert len(records) == 12
    expected = pq.read_table([version_root / c["key"] for c in manifest["chunks"] if c["split"] == "validation"])
    assert sorted(r["validation/dialogue_id"].decode() for r in records) == sorted(
        expected.column("dialogue_id").to_pylist()
    )
    first = records[0]
    assert isinstance(first["validation/utterance_count"], int)
    assert len(first["validation/utterances"]) == first["validation/utterance_count"]
    assert "validation/utterances/utterance" in first["validation/utterances"][0]


def test_dcat_export(home: Path, ingested: dict[str, Any], cli: Callable[..., Any]) -> None:
    result = cli("export", "dcat", DATASET)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["@type"] == "dcat:Dataset" and doc["dct:identifier"] == DATASET
    assert {t["@language"]: t["@value"] for t in doc["dct:title"]} == {
        "ko": "한국어 SNS 대화 데이터",
        "en": "Korean SNS dialogue",
    }
    assert doc["dcat:theme"][0] == {"@value": "한국어", "@language": "ko"}
    assert doc["dct:issued"]["@value"] == "2024-10-30"
    splits = {d["dct:title"].split()[0]: d for d in doc["dcat:distribution"]}
    manifest = json.loads(Path(ingested["manifest"]).read_text(encoding="utf-8"))
    for split, info in manifest["splits"].items():
        assert splits[split]["dcat:byteSize"]["@value"] == str(info["bytes"])
        sums = {s["spdx:checksum"]["spdx:checksumValue"] for s in splits[split]["adms:sample"]}
        assert sums == {c["sha256"] for c in manifest["chunks"] if c["split"] == split}


def test_exports_of_unknown_things_exit_2(home: Path, cli: Callable[..., Any]) -> None:
    assert cli("export", "croissant", "nope").exit_code == 2
    assert cli("export", "dcat", DATASET, "--version", "9.9").exit_code == 2


# -- type mapping for every record schema ---------------------------------------------------------


def _types(field: dict[str, Any]) -> list[str]:
    own = [field["dataType"]] if "dataType" in field else []
    return own + [t for sub in field.get("subField", []) for t in _types(sub)]


def test_arrow_types_map_to_croissant_types() -> None:
    source = {"fileSet": {"@id": "fs"}, "extract": {"column": "c"}}

    def one(name: str, t: pa.DataType, data_type: str = "text") -> dict[str, Any]:
        return field_for("train", name, t, source, data_type)

    assert one("a", pa.string())["dataType"] == "sc:Text"
    assert one("a", pa.int32())["dataType"] == "sc:Integer"
    assert one("a", pa.float64())["dataType"] == "sc:Float"
    assert one("a", pa.bool_())["dataType"] == "sc:Boolean"
    assert one("a", pa.timestamp("s"))["dataType"] == "sc:DateTime"
    assert one("image", pa.struct([("bytes", pa.binary()), ("path", pa.string())]))["dataType"] == "sc:ImageObject"
    audio = one("audio", pa.struct([("bytes", pa.binary()), ("path", pa.string())]))
    assert audio["dataType"] == "sc:AudioObject" and audio["source"]["transform"] == {"jsonPath": "bytes"}
    assert one("blob", pa.binary(), "image")["dataType"] == "sc:ImageObject"
    listed = one("tags", pa.list_(pa.string()))
    assert listed["repeated"] is True and listed["dataType"] == "sc:Text"
    nested = one("boxes", pa.list_(pa.struct([("label", pa.string()), ("bbox", pa.list_(pa.float64()))])))
    assert nested["repeated"] is True
    assert [(s["name"], s.get("repeated", False), s["dataType"]) for s in nested["subField"]] == [
        ("label", False, "sc:Text"),
        ("bbox", True, "sc:Float"),
    ]
    assert nested["subField"][1]["source"]["transform"] == {"jsonPath": "bbox"}


@pytest.mark.parametrize("name", sorted(RECORD_SCHEMAS))
def test_every_record_schema_gives_valid_croissant(name: str, tmp_path: Path) -> None:
    import mlcroissant as mlc

    schema = get_record_schema(name)
    data_type = {"vision": "image", "healthcare": "image", "manufacturing": "sensor"}.get(schema.domain, "text")
    doc = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        "name": name.replace("_", "-"),
        "description": schema.doc_en,
        "url": "https://example.org",
        "license": "https://example.org/licence",
        "version": "1.0.0",
        "datePublished": "2024-01-01",
        "citeAs": "x",
        "distribution": [
            {"@type": "cr:FileSet", "@id": "train-chunks", "name": "train-chunks"}
            | {"encodingFormat": "application/x-parquet", "includes": ["train/*.parquet"]}
        ],
        "recordSet": record_sets(schema, {"train": "train-chunks"}, data_type),
    }
    path = tmp_path / "croissant.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    dataset = mlc.Dataset(jsonld=path)
    assert not dataset.metadata.ctx.issues.errors
    fields = {f["name"] for f in doc["recordSet"][0]["field"]}
    assert fields == {c.name for c in schema.columns}
    if any(pa.types.is_struct(c.type) for c in schema.columns if c.name in ("image", "audio")):
        assert {"sc:ImageObject", "sc:AudioObject"} & {t for f in doc["recordSet"][0]["field"] for t in _types(f)}
