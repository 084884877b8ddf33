"""OpenLineage events of `kdata ingest`: START then COMPLETE (or FAIL) through the standard client's file
transport, configured the usual way (OPENLINEAGE__TRANSPORT__* variables); nothing without configuration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kdata.cli import app
from kdata.lineage import dataset_ref, enabled
from tests.openlineage_schema import event_validator

pytestmark = pytest.mark.integration
runner = CliRunner()


@pytest.fixture
def lineage_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG", "OPENLINEAGE_DISABLED", "OPENLINEAGE_NAMESPACE"):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "lineage" / "events.jsonl"
    path.parent.mkdir()
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__TYPE", "file")
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__LOG_FILE_PATH", str(path))
    monkeypatch.setenv("OPENLINEAGE__TRANSPORT__APPEND", "true")
    return path


def _events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_ingest_emits_start_and_complete_with_output_facets(
    kdata_home: Path,
    sample_factory,  # type: ignore[no-untyped-def]
    lineage_file: Path,
) -> None:
    dataset = sample_factory(items=150)
    result = runner.invoke(app, ["ingest", str(dataset), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # stdout stays one JSON document
    start, complete = _events(lineage_file)
    assert (start["eventType"], complete["eventType"]) == ("START", "COMPLETE")
    assert start["run"]["runId"] == complete["run"]["runId"]
    assert start["job"] == complete["job"] and complete["job"]["namespace"] == "kdata"
    assert complete["job"]["name"] == "kdata_ingest"
    assert start["inputs"] == [{"namespace": "file", "name": str(dataset), "facets": {}, "inputFacets": {}}]
    # once planned: the folder (its content hash) and every archive in it (each one's sha256)
    plan = json.loads((kdata_home / "runs" / summary["run_id"] / "plan.json").read_text(encoding="utf-8"))
    folder, *archives = complete["inputs"]
    assert (folder["namespace"], folder["name"]) == ("file", str(dataset))
    content = json.loads((kdata_home / "runs" / summary["run_id"] / "content.json").read_text(encoding="utf-8"))
    assert folder["facets"]["version"]["datasetVersion"] == content["content_sha256"]  # full-content hashes
    assert {a["name"]: a["facets"]["version"]["datasetVersion"] for a in archives} == {
        str(dataset / path): sha for path, sha in content["archive_sha256"].items()
    }
    assert sorted(content["archive_sha256"]) == sorted(plan["archives"])
    [output] = complete["outputs"]
    assert output["namespace"] == "file"
    assert output["name"] == str(kdata_home / "store" / summary["dataset_id"] / summary["version"])
    facets = output["facets"]
    assert facets["version"]["datasetVersion"] == "1.0"
    fields = {f["name"]: f for f in facets["schema"]["fields"]}
    assert fields["dialogue_id"]["type"] == "string" and fields["dialogue_id"]["description"].startswith("대화 ID")
    assertions = facets["dataQualityAssertions"]["assertions"]
    assert len(assertions) > 5 and all(a["success"] for a in assertions)
    assert {"dialogue_id_unique", "pii_free"} <= {a["assertion"] for a in assertions}
    statistics = output["outputFacets"]["outputStatistics"]
    manifest = json.loads(Path(summary["manifest"]).read_text(encoding="utf-8"))
    assert statistics == {
        "rowCount": 150,
        "size": sum(c["bytes"] for c in manifest["chunks"]),
        "fileCount": len(manifest["chunks"]),
        "_producer": statistics["_producer"],
        "_schemaURL": statistics["_schemaURL"],
    }
    assert complete["schemaURL"].startswith("https://openlineage.io/spec/")
    validate = event_validator()
    assert {"SchemaDatasetFacet.json", "OutputStatisticsOutputDatasetFacet.json"} <= validate(complete)
    validate(start)


def test_failed_ingest_emits_fail(kdata_home: Path, sample_factory, lineage_file: Path) -> None:  # type: ignore[no-untyped-def]
    dataset = sample_factory(items=40, inject="missing-source")
    result = runner.invoke(app, ["ingest", str(dataset), "--json"])
    assert result.exit_code == 3
    start, fail = _events(lineage_file)
    assert (start["eventType"], fail["eventType"]) == ("START", "FAIL")
    assert "quality gate refused" in fail["run"]["facets"]["errorMessage"]["message"]
    assert fail["outputs"] == []
    assert "ErrorMessageRunFacet.json" in event_validator()(fail)


def test_nothing_without_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("OPENLINEAGE_URL", "OPENLINEAGE_CONFIG", "OPENLINEAGE_DISABLED"):
        monkeypatch.delenv(name, raising=False)
    for name in [n for n in __import__("os").environ if n.startswith("OPENLINEAGE__")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert not enabled()
    monkeypatch.setenv("OPENLINEAGE_URL", "http://127.0.0.1:9/")
    assert enabled()
    monkeypatch.setenv("OPENLINEAGE_DISABLED", "true")
    assert not enabled()
    assert dataset_ref("s3://bucket/landing/ds/") == ("s3://bucket", "landing/ds")
    assert dataset_ref(str(tmp_path)) == ("file", str(tmp_path))


def test_inputs_of_an_s3_dataset_name_the_prefix_and_its_archives(tmp_path: Path) -> None:
    """A run planned from ``s3://``: the inputs name the S3 location the user gave, not the local copy."""
    from kdata.lineage import input_datasets

    plan = {
        "dataset_path": str(tmp_path / "runs" / "_s3" / "copy"),
        "source": "s3://landing/korean/ds-1",
        "content_sha256": "c" * 64,
        "archive_sha256": {"01.데이터/1.Training/라벨링데이터/TL_1.zip": "a" * 64, "VS_1.zip": "b" * 64},
    }
    inputs = input_datasets("s3://landing/korean/ds-1/", plan)
    assert [(i.namespace, i.name, i.facets["version"].datasetVersion) for i in inputs] == [
        ("s3://landing", "korean/ds-1", "c" * 64),
        ("s3://landing", "korean/ds-1/01.데이터/1.Training/라벨링데이터/TL_1.zip", "a" * 64),
        ("s3://landing", "korean/ds-1/VS_1.zip", "b" * 64),
    ]
    assert [(i.namespace, i.name) for i in input_datasets("s3://landing/korean/ds-1/")] == [
        ("s3://landing", "korean/ds-1")
    ]
    only = input_datasets("s3://landing/korean/ds-1", plan, archives=["VS_1.zip"])
    assert [i.name for i in only] == ["korean/ds-1", "korean/ds-1/VS_1.zip"]
