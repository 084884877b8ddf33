"""Real AI Hub label shapes (tests/fixtures/aihub_shapes, reproduced from public documentation; each
folder's shape.yaml names its sources): each is ingested from the labels: block that
``kdata inspect --write-manifest`` wrote, nothing dropped, values checked against hand-computed ones."""

from __future__ import annotations

import io
import json
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from rich.console import Console

from ingest.problems import UNUSABLE_LABEL
from kdata.inspect_cmd import run_inspect
from schemas.labels import format_path, parse_path
from schemas.manifest import load_manifest
from tests.mapping.support import extract, tiny_png, write_manifest, zip_files

SHAPES = Path(__file__).resolve().parents[1] / "fixtures" / "aihub_shapes"
FOLDERS = sorted(p for p in SHAPES.iterdir() if (p / "shape.yaml").is_file()) if SHAPES.is_dir() else []
_IMAGES = {".jpg", ".jpeg", ".png", ".bmp"}


def _shape(folder: Path) -> dict[str, Any]:
    return yaml.safe_load((folder / "shape.yaml").read_text(encoding="utf-8"))


def _dataset(folder: Path, shape: dict[str, Any], root: Path) -> Path:
    name = folder.name.split("_", 1)[1]
    labels = {m: (folder / "files" / m).read_bytes() for m in shape["label_members"]}
    zip_files(root / f"01.데이터/1.Training/라벨링데이터/TL_{name}.zip", labels)
    if shape.get("source_members"):
        sources = {
            m: tiny_png() if PurePosixPath(m).suffix.lower() in _IMAGES else b"\x00" * 64
            for m in shape["source_members"]
        }
        zip_files(root / f"01.데이터/1.Training/원천데이터/TS_{name}.zip", sources)
    write_manifest(root, name.replace("_", "-")[:60], shape["domain"], shape["data_type"])
    return root


def _load(folder: Path, member: str, shape: dict[str, Any]) -> Any:
    data = (folder / "files" / member).read_bytes()
    text = data.decode("cp949") if shape.get("encoding") == "cp949" else data.decode("utf-8-sig")
    fmt = shape["label_format"]
    if fmt == "json":
        return json.loads(text)
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return text


def _at(doc: Any, path: str) -> Any:
    _, tokens = parse_path(path)
    for _kind, value in tokens:
        doc = doc[value]
    return doc


def _contains(haystack: Any, needle: Any) -> bool:
    if haystack == needle or (isinstance(needle, int | float) and haystack == needle):
        return True
    if isinstance(haystack, dict):
        return any(_contains(v, needle) for v in haystack.values())
    if isinstance(haystack, list):
        return any(_contains(v, needle) for v in haystack)
    return isinstance(haystack, str) and isinstance(needle, str) and needle in haystack


def _normal(path: str) -> str:
    if path in ("line", "file"):
        return "line"
    if "/" in path:  # an XPath-like unit of an XML shape (/annotations/image): every such element
        path = "$." + ".".join(p for p in path.lstrip("$.").split("/") if p) + "[*]"
    return format_path(parse_path(path)[1])


def test_fixtures_cover_every_domain() -> None:
    domains = {_shape(f)["domain"] for f in FOLDERS}
    assert len(FOLDERS) >= 25
    assert len(domains) == 14, sorted(domains)


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_real_shape_ingests_from_inspected_mapping(folder: Path, tmp_path: Path, kdata_home: Path) -> None:
    shape = _shape(folder)
    root = _dataset(folder, shape, tmp_path / folder.name)
    quiet = Console(file=io.StringIO())
    assert run_inspect(root, write_manifest=True, as_json=False, out=quiet, err=quiet) == 0
    manifest = load_manifest(root)
    assert manifest.labels is not None
    rows, problems, _plan = extract(root)
    invalid = [p for p in problems if p["code"] in UNUSABLE_LABEL]
    assert invalid == [], invalid
    assert rows, "an empty version"
    chosen = {_normal(b.records) for b in manifest.labels.blocks}
    unit = _normal(shape["record_unit"])
    if unit in chosen or (unit == "line" and chosen == {"$"}):
        assert len(rows) == shape["expected_rows"]
    else:  # inspect read one record per label file (paired with sources): the natural unit is inside it
        assert chosen == {"$"}, (chosen, unit)
        assert len(rows) == len(shape["label_members"])
    for check in shape.get("checks") or []:
        original = _load(folder, check["file"], shape)
        if shape["label_format"] in ("json", "jsonl") and str(check["path"]).startswith("$"):
            assert _at(original, check["path"]) == check["value"], "the fixture's hand value"
        mine = [r for r in rows if r["label_member"] == check["file"]]
        # in the row's label object, or carried onto its rows from a parent (a mapped column)
        assert any(
            _contains(json.loads(r["label_json"]), check["value"]) or _contains(list(r.values()), check["value"])
            for r in mine
        ), check
    for row in rows:  # label_json is the original object (a part of its file)
        original = _load(folder, row["label_member"], shape)
        kept = json.loads(row["label_json"])
        assert _contains(original, kept) or _contains(kept, original) or isinstance(original, str), row["label_member"]
