"""Hostile label files through the mapping engine: each is a problem naming archive and member, the
rest of the archive is read, nothing crashes or expands."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from kcore.errors import BadInput
from tests.mapping.support import extract, write_manifest, zip_files

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<annotation><filename>&lol3;</filename></annotation>"""
EXTERNAL = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<annotation><filename>&e;</filename></annotation>"""
GOOD = b"<annotation><filename>a.jpg</filename><object><name>car</name></object></annotation>"


def test_hostile_label_files_are_problems(tmp_path: Path, kdata_home: Path) -> None:
    root = tmp_path / "hostile"
    files = {
        "x/bomb.xml": BOMB,
        "x/external.xml": EXTERNAL,
        "x/good.xml": GOOD,
        "j/deep.json": b"[" * 100_000 + b"]" * 100_000,
        "j/ok.json": b'{"annotation": {"filename": "b.jpg"}}',
        "j/string.json": b'"just text"',
        "l/lines.jsonl": b'{"annotation": {"filename": "c.jpg"}}\n{broken\n',
        "c/big.csv": b"filename,name\n" + b"x" * 200_000 + b",car\nd.jpg,bus\n",
    }
    zip_files(root / "01.데이터/1.Training/라벨링데이터/TL_1.zip", files)
    labels = [
        {"files": ["**/*.xml", "**/*.json", "**/*.jsonl"], "fields": {"file": {"path": "annotation.filename"}}},
        {"files": ["**/*.csv"], "fields": {"file": {"path": "filename"}}},
    ]
    write_manifest(root, "hostile-labels", "vision", "text", labels=labels)
    rows, problems, _ = extract(root)
    by_member = {(p["member"], p["code"]) for p in problems}
    assert ("x/bomb.xml", "bad_xml") in by_member and ("x/external.xml", "bad_xml") in by_member
    assert ("j/deep.json", "bad_json") in by_member
    assert ("l/lines.jsonl", "bad_json") in by_member
    assert ("c/big.csv", "bad_csv") in by_member
    files_read = sorted(r["file"] for r in rows if r["file"])
    assert files_read == ["a.jpg", "b.jpg", "c.jpg", "d.jpg"]
    assert all("root:" not in (r["label_json"] or "") for r in rows)  # no external entity was read
    string_doc = [r for r in rows if r["label_member"] == "j/string.json"]
    assert len(string_doc) == 1 and string_doc[0]["file"] is None  # a document of another shape: null field
    # one problem per unreadable file: not also "no records" for the file that could not be read
    assert [code for member, code in sorted(by_member) if member == "j/deep.json"] == ["bad_json"]
    assert [code for member, code in sorted(by_member) if member == "x/bomb.xml"] == ["bad_xml"]
    assert sum(1 for p in problems if p["member"] == "j/deep.json") == 1


@pytest.mark.parametrize("path", ["arrow", "records"])
def test_a_value_of_the_root_copied_onto_every_record_is_refused_before_it_explodes(
    path: str, tmp_path: Path, kdata_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 400 KB file whose 20,000-item root list was mapped onto each of its 20,000 records took 11 GB and 218 s,
    then crashed (attack trial 6): refused at once, naming the file and the field (exit 2 from the CLI)."""
    monkeypatch.setenv("KDATA_MAX_COPIED_BYTES", str(1 << 20))
    ids = [f"r{i}" if path == "arrow" or i else i for i in range(2000)]  # an int id: the records path
    document = {"recs": [{"id": i} for i in ids], "big": list(range(2000))}
    root = tmp_path / "explode"
    zip_files(root / "01.데이터/1.Training/라벨링데이터/TL_1.zip", {"e/explode.json": orjson.dumps(document)})
    labels = [
        {
            "files": ["**/*.json"],
            "records": "recs[*]",
            "fields": {"id": {"path": "id"}, "big": {"path": "$.big", "type": "list[int]"}},
        }
    ]
    write_manifest(root, "explode-labels", "korean", "text", labels=labels)
    with pytest.raises(BadInput, match=r"TL_1\.zip!e/explode\.json: field 'big' \(\$\.big\) copies") as refused:
        extract(root)
    assert "KDATA_MAX_COPIED_BYTES" in str(refused.value)
    small = {"recs": document["recs"], "big": list(range(20))}  # a small root value is copied as before
    zip_files(root / "01.데이터/1.Training/라벨링데이터/TL_1.zip", {"e/explode.json": orjson.dumps(small)})
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 2000 and all(r["big"] == list(range(20)) for r in rows)


def test_a_looked_up_value_copied_onto_every_record_is_bounded_too(
    tmp_path: Path, kdata_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Attack trial 8: the copy bound held for ``$.`` paths only; 8,000 records looking up one item whose value
    is an 8,000-item list took 123 s and 1.1 GB and published 64 million values."""
    monkeypatch.setenv("KDATA_MAX_COPIED_BYTES", str(1 << 20))
    document = {
        "items": [{"id": "a", "blob": list(range(2000))}],
        "recs": [{"id": f"r{i}", "ref": "a"} for i in range(2000)],
    }
    root = tmp_path / "lookup"
    zip_files(root / "01.데이터/1.Training/라벨링데이터/TL_1.zip", {"e/lookup.json": orjson.dumps(document)})
    blob = {"path": "ref", "type": "list[int]", "lookup": {"items": "$.items[*]", "key": "id", "value": "blob"}}
    labels = [{"files": ["**/*.json"], "records": "recs[*]", "fields": {"id": {"path": "id"}, "blob": blob}}]
    write_manifest(root, "lookup-labels", "korean", "text", labels=labels)
    with pytest.raises(BadInput, match=r"TL_1\.zip!e/lookup\.json: field 'blob' \(ref\) copies"):
        extract(root)
