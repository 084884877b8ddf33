"""Hostile label files through the mapping engine: each is a problem naming archive and member, the
rest of the archive is read, nothing crashes or expands."""

from __future__ import annotations

from pathlib import Path

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
