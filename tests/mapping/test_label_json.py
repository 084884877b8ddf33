"""``label_json`` holds each record as the label file writes it (whitespace between tokens removed), the same
whether the Arrow path, the per-record path or a streamed read took the file; a record holding an escape is
written out by orjson, so that ``\\uD64D\\uAE38\\uB3D9`` is 홍길동 for the personal-data checks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from ingest import labeljson
from ingest.mapping import columnar
from ingest.mapping.engine import _utf8
from kcore.limits import DEFAULT_LIMITS
from tests.mapping.support import extract, write_manifest, zip_files

PRETTY = b"""{
  "meta" : {"doc" : "D1"},
  "data" : [
    {
      "id" : "R0",
      "score" : 2.50,
      "big" : 1E5,
      "text" : "\xec\x95\x88\xeb\x85\x95, \xec\xb9\x9c\xea\xb5\xac",
      "tags" : [ "a" , "b" ]
    },
    {"id": "R1", "score": 0.5, "big": 7, "text": "\xeb\x8b\xa4\xec\x9d\x8c \\"\xeb\xac\xb8\xec\x9e\xa5\\"", "tags": []},
    {"id": "R2", "score": 1.0, "big": -0, "text": "\\uD64D\\uAE38\\uB3D9 010-1234-5678", "tags": ["c"]}
  ]
}"""
"""Three records: non-canonical numbers and spaces, an escaped quote, and \\u escapes (a name, a phone)."""

LABELS = {
    "records": "data[*]",
    "fields": {
        "id": {"path": "id", "role": "id"},
        "doc": {"path": "$.meta.doc"},
        "score": {"path": "score", "type": "float"},
        "text": {"path": "text", "role": "text"},
    },
}


def _ways(root: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[dict[str, Any]]]:
    """Rows of the Arrow path, the per-record path and a streamed read of the same dataset."""
    ways = {"arrow": (True, "268435456"), "per-record": (False, "268435456"), "streamed": (True, "64")}
    rows = {}
    for name, (arrow, limit) in ways.items():
        with monkeypatch.context() as patch:
            if not arrow:  # no shape takes the Arrow path: every record in Python
                patch.setattr(columnar, "applies", lambda *args: False)
            patch.setenv("KDATA_MAX_ITEM_BYTES", limit)
            patch.setenv("KDATA_HOME", str(home / name))
            rows[name], _problems, _ = extract(root)
    return rows


def test_label_json_is_the_records_text_the_same_every_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "pretty"
    zip_files(root / "01.데이터/1.Training/라벨링데이터/TL_1.zip", {"a/doc.json": PRETTY})
    write_manifest(root, "pretty-records", "korean", "text", labels=LABELS)
    rows = _ways(root, tmp_path, monkeypatch)
    assert rows["arrow"] == rows["per-record"] == rows["streamed"]
    texts = [r["label_json"] for r in rows["arrow"]]
    # as the file writes it: 2.50 and 1E5 stay, spaces inside strings stay, none between tokens
    assert texts[0] == '{"id":"R0","score":2.50,"big":1E5,"text":"안녕, 친구","tags":["a","b"]}'
    # an escape: orjson writes the record out (so the name and the phone number below are plain text)
    assert texts[1] == '{"id":"R1","score":0.5,"big":7,"text":"다음 \\"문장\\"","tags":[]}'
    # ... and the personal-data check finds the phone number and masks it (pii_policy: mask)
    expected = json.loads(PRETTY)["data"]
    expected[2]["text"] = "홍길동 #@전화번호#"
    assert texts[2] == orjson.dumps(expected[2]).decode()
    assert [json.loads(t) for t in texts] == expected  # the original objects
    assert [r["doc"] for r in rows["arrow"]] == ["D1"] * 3 and [r["score"] for r in rows["arrow"]] == [2.5, 0.5, 1.0]


def test_the_arrow_path_parses_the_document_only_when_a_field_needs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fields Arrow gives (keys under the record) never parse the file in Python; a key of the file's root does."""
    from ingest.mapping.engine import _Field
    from schemas.labels import LabelMapping
    from schemas.mapped import mapped_schema

    data = json.dumps({"meta": {"doc": "D9"}, "data": [{"id": f"R{i}", "n": i} for i in range(4)]}).encode()
    texts = labeljson.record_texts(data, ["data"])
    assert texts == [json.dumps({"id": f"R{i}", "n": i}, separators=(",", ":")).encode() for i in range(4)]
    loads: list[bool] = []

    def load() -> Any:
        loads.append(True)
        return json.loads(data)

    for fields, parsed in (
        ({"id": {"path": "id"}, "n": {"path": "n", "type": "int"}}, False),
        ({"id": {"path": "id"}, "doc": {"path": "$.meta.doc"}}, True),
    ):
        loads.clear()
        mapping = LabelMapping.model_validate({"records": "data[*]", "fields": fields})
        schema = mapped_schema(mapping, name="t", domain="korean", data_type="text")
        block = mapping.blocks[0]
        plan = [_Field(name, spec, schema.column(name)) for name, spec in block.fields.items()]
        result = columnar.record_columns(texts, block, plan, "doc.json", load, "TL_1.zip", DEFAULT_LIMITS)
        assert result is not None and result[0] == 4
        assert bool(loads) is parsed


@pytest.mark.parametrize(
    "data",
    [
        '{"data": [{"id": "가"}]}'.encode("cp949"),  # not UTF-8: the parsed document decides
        b'\xef\xbb\xbf{"data": [{"id": "x"}]}',  # a BOM
        b'{"data": [1, 2]}',  # records that are not objects
        b'{"data": {"id": "x"}}',  # not a list
        b'{"data": [{"id": "x"}',  # not JSON
    ],
)
def test_files_record_texts_cannot_split_are_left_to_the_parsed_document(data: bytes) -> None:
    assert labeljson.record_texts(data, ["data"]) is None or not _utf8(data)


def test_a_cp949_file_keeps_label_json_as_utf8_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = {"meta": {"doc": "D1"}, "data": [{"id": "R0", "text": "한국어 문장"}, {"id": "R1", "text": "둘째"}]}
    root = tmp_path / "cp949"
    zip_files(
        root / "01.데이터/1.Training/라벨링데이터/TL_1.zip",
        {"doc.json": json.dumps(doc, ensure_ascii=False).encode("cp949")},
    )
    write_manifest(root, "cp949-records", "korean", "text", labels=LABELS)
    rows = _ways(root, tmp_path, monkeypatch)
    assert rows["arrow"] == rows["per-record"] == rows["streamed"]
    assert [json.loads(r["label_json"]) for r in rows["arrow"]] == doc["data"]


def test_a_record_nested_too_deeply_is_a_problem_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """msgspec refuses deep nesting with RecursionError: the file goes to the parsed document, which reports it
    (bad_json, naming the member); the other file of the archive is read."""
    deep = b'{"meta": {"doc": "D1"}, "data": [{"id": "R0", "text": ' + b"[" * 5000 + b"]" * 5000 + b"}]}"
    good = json.dumps({"meta": {"doc": "D2"}, "data": [{"id": "R1", "text": "가"}]}).encode()
    assert labeljson.record_texts(deep, ["data"]) is None
    root = tmp_path / "deep"
    zip_files(root / "01.데이터/1.Training/라벨링데이터/TL_1.zip", {"a/deep.json": deep, "a/good.json": good})
    write_manifest(root, "deep-records", "korean", "text", labels=LABELS)
    monkeypatch.setenv("KDATA_HOME", str(tmp_path / "home"))
    rows, problems, _ = extract(root)
    assert [r["id"] for r in rows] == ["R1"]
    assert [(p["member"], p["code"]) for p in problems] == [("a/deep.json", "bad_json")]


def test_masking_keeps_label_json_json_and_nulls_a_number_holding_personal_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pii_policy mask: a resident number written as a JSON number, a phone number as a key and one in text
    are masked through the parsed values, so ``label_json`` stays JSON; the mapped number column cannot
    hold a token and is null; an untouched record keeps its text."""
    document = (
        b'{"data": [{"id": "R0", "resident": 9001011234568, "contact": {"010-1234-5678": "\xec\xa7\x91"},'
        b' "text": "\xec\xa0\x84\xed\x99\x94 010-1234-5678", "score": 2.50},'
        b' {"id": "R1", "resident": 7, "contact": {}, "text": "\xec\x95\x88\xeb\x85\x95", "score": 1E5}]}'
    )
    root = tmp_path / "numbers"
    zip_files(root / "01.데이터/1.Training/라벨링데이터/TL_1.zip", {"a/doc.json": document})
    labels = {
        "records": "data[*]",
        "fields": {
            "id": {"path": "id", "role": "id"},
            "resident": {"path": "resident", "type": "int"},
            "text": {"path": "text", "role": "text"},
        },
    }
    write_manifest(root, "numbers-masked", "korean", "text", labels=labels)
    monkeypatch.setenv("KDATA_HOME", str(tmp_path / "home"))
    rows, _problems, _plan = extract(root)
    assert [r["pii_hits"] for r in rows] == [0, 0]
    assert [r["resident"] for r in rows] == [None, 7]
    assert json.loads(rows[0]["label_json"]) == {
        "id": "R0",
        "resident": "#@주민번호#",
        "contact": {"#@전화번호#": "집"},
        "text": "전화 #@전화번호#",
        "score": 2.5,
    }
    assert '"score":2.50' in rows[0]["label_json"]  # numbers keep their text
    assert rows[1]["label_json"] == '{"id":"R1","resident":7,"contact":{},"text":"안녕","score":1E5}'
    assert rows[0]["text"] == "전화 #@전화번호#"
