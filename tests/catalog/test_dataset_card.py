"""The dataset card (README.md) of a published version: published and listed beside the chunks, downloaded
and verified by ``kdata download``, loadable by Hugging Face ``datasets`` with no other argument."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from catalog.card import dataset_card, hf_license, size_category
from kdata.cli import app
from schemas.contracts import VersionManifest
from schemas.manifest import load_manifest
from schemas.mapped import record_schema_for

pytestmark = pytest.mark.integration
runner = CliRunner()


def _version(splits: dict[str, Any]) -> VersionManifest:
    """A version manifest holding only split totals (all a card reads of it)."""
    return VersionManifest.model_validate(
        {"dataset_id": "ds", "version": "1.0", "content_sha256": "c", "chunks": [], "splits": splits}
    )


def _front_matter(text: str) -> dict[str, Any]:
    assert text.startswith("---\n")
    head, _, _ = text[4:].partition("\n---\n")
    meta: dict[str, Any] = yaml.safe_load(head)
    return meta


def _ingest(path: Path) -> dict[str, Any]:
    result = runner.invoke(app, ["ingest", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_card_published_downloaded_and_loaded_by_datasets(
    kdata_home: Path,
    sample_factory,  # type: ignore[no-untyped-def]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dataset = sample_factory(items=150, copy_to=tmp_path / "ds")
    manifest_path = dataset / "dataset.yaml"  # an open licence: downloads need no approval
    text = manifest_path.read_text(encoding="utf-8")
    for old, new in (("id: aihub-standard", "id: cc-by-4.0"), ("status: approval_required", "status: open")):
        assert old in text
        text = text.replace(old, new)
    manifest_path.write_text(text, encoding="utf-8")
    result = _ingest(dataset)
    assert result["rows"] == {"train": 120, "validation": 30}
    version_root = Path(result["manifest"]).parent
    manifest = json.loads(Path(result["manifest"]).read_text(encoding="utf-8"))
    [card_entry] = manifest["files"]
    card = version_root / "README.md"
    assert card_entry["key"] == "README.md"
    assert card.stat().st_size == card_entry["bytes"]
    assert hashlib.sha256(card.read_bytes()).hexdigest() == card_entry["sha256"]

    text = card.read_text(encoding="utf-8")
    meta = _front_matter(text)
    assert meta["configs"] == [
        {
            "config_name": "default",
            "data_files": [
                {"split": "train", "path": "train/*.parquet"},
                {"split": "validation", "path": "validation/*.parquet"},
            ],
        }
    ]
    assert meta["language"] == ["ko"]
    assert meta["size_categories"] == ["n<1K"]
    assert meta["license"] == "cc-by-4.0" and "license_name" not in meta  # a Hub licence id
    assert meta["task_categories"] == ["text-classification"]
    assert "| train | 120 |" in text and "| validation | 30 |" in text  # splits with rows
    assert "`dialogue_id`" in text and "합격 passed" in text  # columns with docs, quality verdict
    assert meta["pretty_name"]

    # fsck sees the card as part of the version (not a stray object)
    fsck = runner.invoke(app, ["fsck", "--json"])
    assert fsck.exit_code == 0, fsck.output
    stray = json.loads(fsck.stdout)["stray"]
    assert not [k for k in stray if k.endswith("README.md")] and json.loads(fsck.stdout)["damaged"] == []

    out = tmp_path / "out"
    downloaded = runner.invoke(app, ["download", manifest["dataset_id"], "--out", str(out), "--json"])
    assert downloaded.exit_code == 0, downloaded.output
    folder = out / manifest["dataset_id"] / manifest["version"]
    assert (folder / "README.md").read_bytes() == card.read_bytes()
    assert str(folder / "README.md") in json.loads(downloaded.stdout)["files"]

    # a damaged local card is fetched again and verified
    (folder / "README.md").write_text("tampered", encoding="utf-8")
    again = runner.invoke(app, ["download", manifest["dataset_id"], "--out", str(out), "--json"])
    assert again.exit_code == 0, again.output
    assert (folder / "README.md").read_bytes() == card.read_bytes()

    import datasets

    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf" / "datasets"))
    loaded = datasets.load_dataset(str(folder))
    assert sorted(loaded) == ["train", "validation"]
    assert loaded["train"].num_rows == 120 and loaded["validation"].num_rows == 30
    assert len(set(loaded["train"]["dialogue_id"]) | set(loaded["validation"]["dialogue_id"])) == 150


def test_card_is_deterministic(sample_factory) -> None:  # type: ignore[no-untyped-def]
    dataset = load_manifest(sample_factory(items=20))  # AI Hub terms: not a Hub licence id
    meta = _front_matter(dataset_card(dataset, record_schema_for(dataset), _version({}), {}).decode("utf-8"))
    assert meta["license"] == "other" and meta["license_name"] == "aihub-standard"
    schema = record_schema_for(dataset)
    version = _version({"train": {"rows": 12_345, "chunks": 3, "bytes": 9_000}})
    quality = {"verdict": "passed_with_warnings", "warnings_failed": ["x"], "items": []}
    first = dataset_card(dataset, schema, version, quality)
    assert first == dataset_card(dataset, schema, version, quality)
    meta = _front_matter(first.decode("utf-8"))
    assert meta["size_categories"] == ["10K<n<100K"]
    assert "12,345" in first.decode("utf-8")


def test_parallel_corpus_card_is_korean_english_translation(tmp_path: Path) -> None:
    from kdata.samples import write_samples

    folder = write_samples("finance", tmp_path / "fin", items=20, layout="classic", seed=1, inject=None)
    dataset = load_manifest(folder)
    version = _version({"train": {"rows": 20, "chunks": 1, "bytes": 100}})
    meta = _front_matter(dataset_card(dataset, record_schema_for(dataset), version, {"verdict": "passed"}).decode())
    assert meta["language"] == ["ko", "en"] and meta["task_categories"] == ["translation"]


def test_size_buckets_and_licenses() -> None:
    assert [size_category(n) for n in (0, 999, 1_000, 9_999, 10_000, 2_000_000, 10**13)] == [
        "n<1K",
        "n<1K",
        "1K<n<10K",
        "1K<n<10K",
        "10K<n<100K",
        "1M<n<10M",
        "n>1T",
    ]
    assert hf_license("CC-BY-4.0") == ("cc-by-4.0", None)
    assert hf_license("KOGL-1") == ("other", "kogl-1")
    assert hf_license("aihub-standard") == ("other", "aihub-standard")


def test_an_uploaders_html_is_text_in_the_card(sample_factory) -> None:  # type: ignore[no-untyped-def]
    """The card carried a title's ``<script>`` and a keyword's ``<img onerror>`` as HTML (an attack trial):
    whether they ran depended on the Markdown renderer. They are entities now; the front matter keeps text."""
    dataset = load_manifest(sample_factory(items=20))
    title = dataset.title.model_copy(update={"ko": "제목 <script>alert(1)</script>"})
    dataset = dataset.model_copy(update={"title": title, "keywords": ["<img src=x onerror=alert(1)>", "a|b"]})
    card = dataset_card(dataset, record_schema_for(dataset), _version({}), {}).decode("utf-8")
    body = card.split("\n---\n", 1)[1]
    assert "<script>" not in body and "<img" not in body
    assert "# 제목 &lt;script&gt;alert(1)&lt;/script&gt;" in body and "a\\|b" in body
