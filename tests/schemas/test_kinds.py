"""One home per dataset kind (issue 20): every kind is one declaration in :mod:`schemas.kinds`, and the record
schema lookup, the manifest's domain check, the readers, the quality suites, the samples, the demo and the CLI
help all read that registry.

The policy test adds a fifth-domain kind as ONE Python file in a temporary folder, registered through the
``kdata.kinds`` entry point group of a temporary distribution (its ``.dist-info``), with no other edit
anywhere, and sees every consumer pick it up, up to a full ingest of its generated sample.
"""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from schemas import kinds as registry
from schemas.kinds import Demo, Kind, KindError, Sample

PLUGIN = "kdata_crop_kind"
"""The plugin's module: the whole fifth kind lives in it."""

PLUGIN_SOURCE = '''
"""Crop disease observations (농작물 병해 관찰): a dataset kind of the agriculture domain, in one file."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingest.problems import Problem, ReadStats
from ingest.readers._common import LabelError, SourceFiles, build, finish_record, get, iter_json_labels, text
from kdata.samples.base import Item, SampleKind, make_manifest
from quality.gx_runner import ExpectationSpec
from quality.suites._specs import between, id_specs, schema_valid, source_present
from schemas.kinds import Demo, Kind, Sample
from schemas.records import Column, RecordSchema

_S = pa.string()

SCHEMA = RecordSchema(
    name="agriculture_crop",
    domain="agriculture",
    id_column="observation_id",
    doc_ko="농작물 병해 관찰 한 건",
    doc_en="One crop disease observation",
    columns=(
        Column("observation_id", _S, "관찰 ID", "Observation id", nullable=False, check=True),
        Column("crop", _S, "작물", "Crop", check=True),
        Column("disease", _S, "병해", "Disease", check=True),
        Column("severity", pa.int32(), "심각도 (0-5)", "Severity 0-5", check=True),
        Column("note", _S, "관찰 기록", "Observation note (source .txt)"),
        Column("source_file", _S, "원천 파일", "Source file (archive!member)", check=True),
        Column("label_archive", _S, "라벨 압축파일", "Label archive", check=True),
        Column("label_member", _S, "라벨 파일", "Label member", check=True),
    ),
)


def _record(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise LabelError("", "expected an object")
    return {
        "observation_id": str(get(doc, "observation_id", (str, int))),
        "crop": text(doc.get("crop")),
        "disease": text(doc.get("disease")),
        "severity": get(doc, "severity", int, required=False),
    }


def read(archive: Path, archive_rel: str, sources: Mapping[str, str], stats: ReadStats) -> Iterator[dict[str, Any]]:
    with SourceFiles(archive, archive_rel, sources) as files:
        for member, doc in iter_json_labels(archive, archive_rel, stats):
            try:
                record = build(_record, doc)
            except LabelError as error:
                stats.add(Problem("schema", archive_rel, member, error.field or None, str(error)), invalid_label=True)
                continue
            ref, data = files.fetch(record["observation_id"], stats, archive_rel, member, record["observation_id"])
            record.update(note=None if data is None else data.decode("utf-8"), source_file=ref)
            yield finish_record(record, record["observation_id"], archive_rel, member, stats, label=doc)


def specs(*, syntactic_target: float) -> list[ExpectationSpec]:
    return [
        schema_valid(syntactic_target),
        *id_specs("observation_id", "관찰", "observation"),
        between("severity_range", "severity", 0, 5, ("심각도 범위 0–5", "Severity within 0–5")),
        source_present(),
    ]


class CropSamples(SampleKind):
    name = "agriculture_crop"
    dataset_id = "agriculture-crop-disease"
    groups = ((1, "고추"), (2, "토마토"))
    faults = ()

    def manifest(self, dataset_id: str, version: str, items: int) -> dict[str, Any]:
        return make_manifest(
            dataset_id,
            version,
            items,
            domain="agriculture",
            data_type="text",
            record_schema=self.name,
            title=("농작물 병해 관찰", "Crop disease observations"),
            description=("고추와 토마토의 병해 관찰 기록입니다.", "Disease observations of peppers and tomatoes."),
            formats=["json", "txt"],
            keywords=["농작물", "병해", "crop disease"],
            labeling=("작물·병해·심각도", "Crop, disease and severity", "JSON"),
            unit=("관찰", "observations"),
            collection=("농가 현장 관찰", "Field observations on farms"),
        )

    def make_item(self, rng: random.Random, number: int, split: int, group: int) -> Item:
        crop = self.groups[group][1]
        oid = f"CROP{number:05d}"
        label = {"observation_id": oid, "crop": crop, "disease": rng.choice(["탄저병", "잎곰팡이병"]),
                 "severity": rng.randint(0, 5)}
        note = f"{crop} 잎에 반점이 보임 ({number})".encode()
        return Item(oid, split, group, f"{crop}/{oid}.json", label, f"{crop}/{oid}.txt", note)


KIND = Kind(
    name="agriculture_crop",
    domain="agriculture",
    help="농작물 병해 관찰 (crop disease observations)",
    record_schema=f"{__name__}:SCHEMA",
    reader=f"{__name__}:read",
    suite=f"{__name__}:specs",
    samples=(Sample("agriculture_crop", f"{__name__}:CropSamples", domain_default=True, demo=Demo(items=20)),),
)
'''


@pytest.fixture
def fifth_kind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The plugin: one module file and the metadata of a distribution that declares its entry point."""
    site = tmp_path / "site"
    site.mkdir()
    (site / f"{PLUGIN}.py").write_text(textwrap.dedent(PLUGIN_SOURCE), encoding="utf-8")
    info = site / "kdata_crop_kind-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kdata-crop-kind\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[kdata.kinds]\nagriculture_crop = {PLUGIN}:KIND\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    registry.refresh()
    yield importlib.import_module(PLUGIN)
    sys.modules.pop(PLUGIN, None)
    registry.refresh()


def test_a_fifth_kind_in_one_file_is_picked_up_everywhere(fifth_kind: ModuleType, tmp_path: Path) -> None:
    from ingest.readers import get_columnar_reader, get_reader
    from kdata.cli import app
    from kdata.demo import demo_sets
    from kdata.samples import default_samples, kind_domain, sample_kinds, write_samples
    from quality.suites import suite_for
    from schemas.manifest import ManifestError, load_manifest, parse_manifest
    from schemas.records import RECORD_SCHEMAS, get_record_schema

    kind = registry.get_kind("agriculture_crop")  # the registry
    assert kind is fifth_kind.KIND and kind.domain == "agriculture"
    assert "agriculture_crop" in registry.schema_kinds() and "korean_dialogue" in registry.kinds()
    assert get_record_schema("agriculture_crop") is fifth_kind.SCHEMA  # record schema lookup
    assert "agriculture_crop" in RECORD_SCHEMAS and "agriculture_crop" in list(RECORD_SCHEMAS)
    assert get_reader("agriculture_crop") is fifth_kind.read  # the reader
    assert get_columnar_reader("agriculture_crop") is None
    names = [s.key for s in suite_for("agriculture_crop", syntactic_target=0.95)]  # the quality suite
    assert names[:4] == ["label_schema_valid", "observation_id_not_null", "observation_id_unique", "severity_range"]
    assert sample_kinds()["agriculture_crop"] == "agriculture"  # samples, by name and by domain
    assert default_samples()["agriculture"] == "agriculture_crop"
    assert kind_domain("농·축·수산") == "agriculture"
    assert ("agriculture_crop", "agriculture", 20, "classic") in demo_sets()  # the demo
    help_text = CliRunner().invoke(app, ["samples", "--help"]).output  # the CLI help
    assert "agriculture_crop *" in help_text and "농작물 병해 관찰" in help_text

    dataset = write_samples("농·축·수산", tmp_path / "crop", items=10, layout="modern", seed=3, inject=None)
    manifest = load_manifest(dataset)
    assert (manifest.record_schema, manifest.domain) == ("agriculture_crop", "agriculture")
    data = {**manifest.model_dump(mode="json", exclude_none=True), "domain": "korean"}
    with pytest.raises(ManifestError, match="'agriculture_crop' is a agriculture schema"):  # domain ownership
        parse_manifest(data, dataset / "dataset.yaml")


@pytest.mark.integration
def test_the_fifth_kind_ingests_end_to_end(fifth_kind: ModuleType, tmp_path: Path, kdata_home: Path) -> None:
    from kcore.config import load_settings
    from kdata import pipeline
    from kdata.samples import write_samples

    dataset = write_samples("agriculture_crop", tmp_path / "crop", items=10, layout="classic", seed=1, inject=None)
    result = pipeline.ingest(load_settings(), str(dataset))
    assert result["status"] == "published" and result["verdict"] == "passed", result
    assert result["rows"] == {"train": 8, "validation": 2}
    assert result["dataset_id"] == "agriculture-crop-disease"


def test_without_the_plugin_the_kind_is_unknown() -> None:
    from ingest.readers import get_reader
    from schemas.records import RECORD_SCHEMAS

    registry.refresh()
    assert registry.find_kind("agriculture_crop") is None
    assert "agriculture_crop" not in RECORD_SCHEMAS
    with pytest.raises(KeyError, match="no reader for record schema 'agriculture_crop'"):
        get_reader("agriculture_crop")


# -- the built-in kinds: their declarations resolve, and agree with what they name ----------------------------


@pytest.mark.parametrize("name", sorted(registry.kinds()))
def test_every_built_in_reference_resolves(name: str) -> None:
    from kdata.samples.base import SampleKind
    from quality.suites import suite_builder
    from schemas.labels import preset_names
    from schemas.records import get_record_schema

    kind = registry.get_kind(name)
    assert (Path(__file__).parents[2] / "schemas" / "kinds" / f"{name}.py").is_file()  # one module per kind
    if kind.has_reader:
        schema = get_record_schema(name)
        assert (schema.name, schema.domain) == (kind.name, kind.domain)
        assert callable(registry.load(kind.reader or ""))
        assert suite_builder(name)(syntactic_target=0.9)
    for sample in kind.samples:
        generator = registry.load(sample.generator)
        assert (isinstance(generator, type) and issubclass(generator, SampleKind)) or callable(generator)
        assert sample.preset is None or sample.preset in preset_names()


def test_bad_declarations_are_refused() -> None:
    with pytest.raises(KindError, match="together"):
        Kind("half", "korean", "help", record_schema="m:SCHEMA")
    with pytest.raises(KindError, match="not a 'module:attribute'"):
        Kind("bad_ref", "korean", "help", samples=(Sample("bad_ref", "no-colon"),))
    with pytest.raises(KindError, match="lower-case identifier"):
        Kind("Not-A-Name", "korean", "help")
    unknown_domain = Kind("moon_rocks", "moon", "help")
    with pytest.raises(KindError, match="unknown domain 'moon'"):
        registry._check_all([unknown_domain])
    twice = [Kind(n, "law", "help", samples=(Sample(n, "m:G", domain_default=True, demo=Demo(1)),)) for n in ("a", "b")]
    with pytest.raises(KindError, match="two default samples"):
        registry._check_all(twice)
