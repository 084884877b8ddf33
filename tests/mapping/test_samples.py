"""Samples in real label shapes no built-in reader knows, read by their labels: mapping alone."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kdata.cli import app
from kdata.samples import mapped_samples, write_samples
from kdata.samples.base import PII_PHONE
from schemas.manifest import load_manifest
from tests.conftest import grant_read
from tests.mapping.support import extract


def _labels(dataset: Path) -> list[tuple[str, Any]]:
    """Every label document of the dataset, read straight from the zips."""
    out = []
    for archive in sorted(dataset.rglob("*.zip")):
        with zipfile.ZipFile(archive) as zf:
            for name in sorted(zf.namelist()):
                try:
                    out.append((name, json.loads(zf.read(name))))
                except ValueError:
                    out.append((name, None))  # the bad-json fault
    return out


def _expected_rows(kind: str, docs: list[Any]) -> int:
    if kind == "finance_parallel":
        return sum(len(d["sents"]) for d in docs if d)
    return sum(len(item["talk"]["content"]) for d in docs if d for item in d)


@pytest.mark.parametrize("kind", sorted(mapped_samples()))
@pytest.mark.parametrize("layout", ["classic", "modern"])
def test_mapped_sample_rows(kind: str, layout: str, tmp_path: Path, kdata_home: Path) -> None:
    dataset = write_samples(kind, tmp_path / "ds", items=23, layout=layout, seed=3, inject=None)
    manifest = load_manifest(dataset)
    assert manifest.record_schema is None and manifest.labels is not None
    assert not list(dataset.rglob("*원천*/*.zip")), "label files only: no empty source archive"
    rows, problems, _ = extract(dataset)
    docs = [doc for _, doc in _labels(dataset)]
    assert len(rows) == _expected_rows(kind, docs)
    assert problems == []
    id_column = "sentence_id" if kind == "finance_parallel" else "row_key"
    assert len({r[id_column] for r in rows}) == len(rows)
    originals = json.dumps(docs, ensure_ascii=False)
    assert all(json.dumps(json.loads(r["label_json"]), ensure_ascii=False) in originals for r in rows)


@pytest.mark.parametrize("kind", sorted(mapped_samples()))
def test_mapped_sample_faults(kind: str, tmp_path: Path, kdata_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = write_samples(kind, tmp_path / "bad", items=12, layout="classic", seed=3, inject="bad-json")
    rows, problems, _ = extract(dataset)
    bad = [p for p in problems if p["code"] == "bad_json"]
    cut = [name for name, doc in _labels(dataset) if doc is None]
    assert len(bad) == 1 and [bad[0]["member"]] == cut
    assert len(rows) == _expected_rows(kind, [doc for _, doc in _labels(dataset)])

    monkeypatch.setenv("KDATA_HOME", str(tmp_path / "home2"))
    dataset = write_samples(kind, tmp_path / "pii", items=12, layout="classic", seed=3, inject="pii")
    rows, problems, _ = extract(dataset)
    assert sum(r["pii_hits"] for r in rows) >= 1  # block policy: found, counted, kept out of publication


def test_finance_sample_published_through_the_cli(tmp_path: Path, kdata_home: Path) -> None:
    """The whole path for a mapped dataset: gate, store, catalog, SQL view, column docs."""
    runner = CliRunner()
    dataset = write_samples("finance", tmp_path / "fin", items=10, layout="modern", seed=2, inject=None)
    done = runner.invoke(app, ["ingest", str(dataset), "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    sentences = sum(len(doc["sents"]) for _, doc in _labels(dataset))
    assert result["status"] == "published" and sum(result["rows"].values()) == sentences
    found = json.loads(runner.invoke(app, ["search", "--domain", "금융", "--json"]).stdout)
    assert [d["id"] for d in found] == ["finance-parallel-corpus"]
    grant_read("finance-parallel-corpus")
    query = "SELECT count(*) AS n, count(DISTINCT doc_no) AS docs FROM data.finance_parallel_corpus__train"
    answer = json.loads(runner.invoke(app, ["sql", query, "--format", "json"]).stdout)
    assert answer[0]["docs"] == 10 - 2  # two validation documents
    shown = json.loads(runner.invoke(app, ["show", "finance-parallel-corpus", "--json"]).stdout)
    columns = [c["column"] for c in shown["columns"]]
    assert columns[:3] == ["sentence_id", "doc_no", "category"] and "label_json" in columns
    croissant = json.loads(runner.invoke(app, ["export", "croissant", "finance-parallel-corpus"]).stdout)
    fields = [f["name"] for f in croissant["recordSet"][0]["field"]]
    assert "mtpe" in fields and "label_json" in fields
    assert PII_PHONE not in json.dumps(result)
