"""The mapping engine's Arrow path gives the rows and problems of its per-record path, byte for byte."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.mapping import columnar
from kcore.config import load_settings
from kdata.samples import write_samples
from kdata.samples.korean_dialogue import write_korean_dialogue
from tests.mapping.support import extract, write_manifest, zip_files

TAKEN: list[bool] = []

WHITESPACE = ["", " ", "\t", "\u3000", "\x1c", "\u200b", "\xa0 ", " x "]


def _both(dataset: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Extract with the Arrow path and without; the Arrow run's count of files it took is in ``TAKEN``."""
    real = columnar.record_columns

    def counted(*args: Any) -> Any:
        found = real(*args)
        TAKEN.append(found is not None)
        return found

    TAKEN.clear()
    monkeypatch.setattr(columnar, "record_columns", counted)
    outcomes = []
    for arrow in ("1", "0"):
        if arrow == "0":  # the shape no longer picks Arrow: every record in Python
            monkeypatch.setattr(columnar, "applies", lambda *args: False)
        monkeypatch.setenv("KDATA_HOME", str(home / arrow))
        rows, problems, plan = extract(dataset)
        run = load_settings().runs_dir / plan["run_id"] / "chunks"
        digests = sorted(pq.read_table(p).schema.to_string() for p in run.rglob("*.parquet"))
        outcomes.append((rows, problems, digests))
    return outcomes


def test_dialogue_preset_same_rows_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = write_korean_dialogue(tmp_path / "ds", items=300, seed=4, dialogues_per_file=40, inject="missing-source")
    manifest = dataset / "dataset.yaml"
    text = manifest.read_text(encoding="utf-8")
    manifest.write_text(text.replace("record_schema: korean_dialogue", "labels: {preset: korean_dialogue}"), "utf-8")
    arrow, python = _both(dataset, tmp_path, monkeypatch)
    assert len(arrow[0]) == 300
    assert TAKEN and all(TAKEN), "every dialogue file went through Arrow"
    assert arrow == python
    assert [p["code"] for p in arrow[1]] == ["missing_source"]  # the planted one, named the same both ways


def test_finance_sample_same_rows_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = write_samples("finance", tmp_path / "fin", items=30, layout="classic", seed=9, inject="pii")
    arrow, python = _both(dataset, tmp_path, monkeypatch)
    assert arrow == python and len(arrow[0]) > 30
    assert TAKEN and all(TAKEN)


def _messy(rng: random.Random, n: int) -> dict[str, Any]:
    """Records whose values change type, go missing, are null, blank in every Unicode way, or not objects."""
    choices: list[Any] = [*WHITESPACE, None, 3, 2.5, True, "7", "텍스트", {"a": 1}, [1, "x"]]
    records: list[Any] = []
    for i in range(n):
        record: dict[str, Any] = {"id": f"R{i}", "n": rng.choice([1, 2, "3", 4.0, None, "x"])}
        if rng.random() < 0.8:
            record["text"] = rng.choice(choices)
        if rng.random() < 0.8:
            record["items"] = [{"t": rng.choice(choices)} for _ in range(rng.randint(0, 3))]
        record["meta"] = {"score": rng.choice([0.5, 1, None])}
        records.append(record)
    return {"head": {"doc": "D1"}, "data": records}


@pytest.mark.parametrize("seed", range(6))
def test_messy_records_same_rows_and_problems(seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    files = {f"f{k}.json": json.dumps(_messy(rng, rng.randint(1, 25)), ensure_ascii=False).encode() for k in range(4)}
    if seed % 2:  # a file whose values are all of one kind: the Arrow path takes it
        clean = {"head": {"doc": "D2"}, "data": [{"id": f"C{i}", "n": i, "text": "가", "items": []} for i in range(5)]}
        files["clean.json"] = json.dumps(clean).encode()
    root = tmp_path / "messy"
    zip_files(root / "01.데이터/1.Training/라벨링데이터/TL_1.zip", files)
    labels = {
        "records": "data[*]",
        "fields": {
            "id": {"path": "id", "role": "id"},
            "doc": {"path": "$.head.doc"},
            "n": {"path": "n", "type": "int", "required": seed == 5},
            "text": {"path": "text", "role": "text"},
            "texts": {"path": "items[*].t", "role": "text"},
            "score": {"path": "meta.score", "type": "float"},
            "position": {"path": "@index", "type": "int"},
        },
    }
    write_manifest(root, "messy-records", "korean", "text", labels=labels)
    arrow, python = _both(root, tmp_path, monkeypatch)
    assert arrow == python
    if seed % 2:
        assert any(TAKEN), "the clean file went through Arrow"
    assert pa.array([r["texts__empty"] for r in arrow[0]]).null_count == 0


def test_the_arrow_path_imports_what_it_uses_in_a_fresh_process(tmp_path: Path) -> None:
    """A label mapping read in a process that loaded no built-in reader (readers are resolved lazily):
    the Arrow path imported ``pyarrow.json`` only through a reader module and crashed with AttributeError."""
    import subprocess
    import sys

    code = (
        "import sys, ingest.mapping.columnar\n"
        "assert 'ingest.readers.korean_dialogue' not in sys.modules\n"
        "assert 'pyarrow.json' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_a_text_list_holding_no_text_is_an_empty_text_on_both_paths() -> None:
    """Shape trial 10: ``caption_ko: []`` counted as no empty caption, so a record without a caption passed."""
    import pyarrow as pa

    from ingest.mapping.columnar import empty_count, empty_counts

    values = [[], ["", "x"], ["a"], None, ["  ", None]]
    expected = [empty_count(v if v is not None else []) for v in values]
    assert expected == [1, 1, 0, 1, 2]
    assert empty_counts(pa.array(values, pa.list_(pa.string()))).to_pylist() == expected
