"""Label files too big to read whole (over KDATA_MAX_ITEM_BYTES) stream, and give the rows and problems of a
whole read: JSON lines, CSV in CP949 with a quoted line break, a line script, and JSON whose records sit in a
list two keys down (회의 음성's ``dataSet.dialogs[*]``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.mapping.support import extract, write_manifest, zip_files


def _both(root: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    outcomes = []
    for limit in ("268435456", "64"):  # the default, then every label file streams
        monkeypatch.setenv("KDATA_MAX_ITEM_BYTES", limit)
        monkeypatch.setenv("KDATA_HOME", str(home / limit))
        rows, problems, _ = extract(root)
        outcomes.append((rows, sorted((p["member"], p["code"], p.get("field") or "") for p in problems)))
    return outcomes[0], outcomes[1]


def test_line_formats_stream_with_the_rows_of_a_whole_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    jsonl = [{"id": f"u{i}", "text": f"발화 {i}번", "speaker": "A" if i % 2 else "B"} for i in range(40)]
    jsonl_bytes = b"\xef\xbb\xbf" + "\r\n".join(json.dumps(x, ensure_ascii=False) for x in jsonl).encode()
    jsonl_bytes += b"\r\n\r\n{broken\r\n" + json.dumps({"id": "u99", "text": "끝\u2028줄"}, ensure_ascii=False).encode()
    csv_text = "id,text\r\n" + "".join(f'c{i},"문장 {i}\n둘째 줄"\r\n' for i in range(30)) + "c30,마지막\r\n"
    files = {
        "talk/part1.jsonl": jsonl_bytes,
        "table/sent.csv": csv_text.encode("cp949"),
    }
    root = tmp_path / "ds"
    zip_files(root / "01.데이터/1.Training/라벨링데이터/TL_1.zip", files)
    labels = [
        {
            "files": ["**/*.jsonl"],
            "fields": {
                "utt_id": {"path": "id", "role": "id"},
                "text": {"path": "text", "role": "text"},
                "speaker": {"path": "speaker"},
            },
        },
        {"files": ["**/*.csv"], "fields": {"sent_id": {"path": "id"}, "sentence": {"path": "text", "role": "text"}}},
    ]
    write_manifest(root, "streamed-lines", "korean", "text", labels=labels)
    whole, streamed = _both(root, tmp_path, monkeypatch)
    assert streamed == whole
    rows, problems = streamed
    talk = [r for r in rows if r["label_member"] == "talk/part1.jsonl"]
    assert [r["utt_id"] for r in talk] == [f"u{i}" for i in range(40)] + ["u99"]
    assert talk[-1]["text"] == "끝\u2028줄"  # U+2028 inside a JSON string is text, not a line break
    assert json.loads(talk[3]["label_json"]) == jsonl[3]
    assert ("talk/part1.jsonl", "bad_json", "line 42") in problems
    table = [r for r in rows if r["label_member"] == "table/sent.csv"]
    assert len(table) == 31 and table[0]["sentence"] == "문장 0\n둘째 줄" and table[-1]["sentence"] == "마지막"


def test_records_two_keys_down_stream_with_their_places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session = {
        "dataSet": {
            "typeInfo": {"category": "회의", "subcategory": "사내"},
            "dialogs": [
                {"speaker": f"화자{i % 3}", "audioPath": f"a/{i:03d}.wav", "textPath": f"t/{i:03d}.txt"}
                for i in range(25)
            ],
            "after": "ignored",
        },
        "info": {"date": "2022-05-01"},
    }
    root = tmp_path / "meeting"
    zip_files(
        root / "01.데이터/1.Training/라벨링데이터/TL_회의.zip",
        {"session/s1.json": json.dumps(session, ensure_ascii=False, indent=2).encode()},
    )
    labels = [
        {
            "files": ["**/*.json"],
            "records": "dataSet.dialogs[*]",
            "fields": {
                "speaker": {"path": "speaker", "role": "speaker"},
                "audio": {"path": "audioPath"},
                "category": {"path": "$.dataSet.typeInfo.category"},
                "turn": {"path": "@index", "type": "int"},
            },
        }
    ]
    write_manifest(root, "streamed-meeting", "korean", "audio", labels=labels)
    whole, streamed = _both(root, tmp_path, monkeypatch)
    assert streamed == whole
    rows, problems = streamed
    assert problems == []
    assert [r["turn"] for r in rows] == list(range(25))
    assert [r["audio"] for r in rows][:2] == ["a/000.wav", "a/001.wav"]
    assert {r["category"] for r in rows} == {"회의"}  # a key before the list, carried onto each row
    assert len({r["label_json"] for r in rows}) == 25


def test_a_big_file_of_a_shape_that_cannot_stream_is_a_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kdata_home: Path
) -> None:
    doc = {"talk": {"content": {f"HS{i:02d}": f"말 {i}" for i in range(20)}}}
    root = tmp_path / "keyed"
    zip_files(root / "01.데이터/1.Training/라벨링데이터/TL_1.zip", {"a.json": json.dumps(doc).encode()})
    labels = [{"files": ["**/*.json"], "records": "talk.content.*", "fields": {"text": {"path": "@", "role": "text"}}}]
    write_manifest(root, "keyed-big", "korean", "text", labels=labels)
    monkeypatch.setenv("KDATA_MAX_ITEM_BYTES", "64")
    rows, problems, _ = extract(root)
    assert rows == []
    assert (problems[0]["member"], problems[0]["code"]) == ("a.json", "too_large")  # then: no records from it
    assert "KDATA_MAX_ITEM_BYTES" in problems[0]["message"]


def test_a_big_label_file_that_can_stream_is_not_parsed_whole() -> None:
    """A 250 MB records file was parsed whole (up to KDATA_MAX_ITEM_BYTES, 256 MiB) and took the ingest process
    to 2.0 GB, over the 1 GiB bound (an attack trial; 557 MB streamed). A file that can stream is parsed whole
    up to 64 MiB; one that cannot, or whose fields look values up in the file's lists, as before."""
    from ingest.mapping.engine import WHOLE_FILE_BYTES, whole_file_bytes
    from kcore.limits import DEFAULT_LIMITS
    from schemas.labels import LabelBlock

    records = LabelBlock.model_validate({"records": "data[*]", "fields": {"t": {"path": "text"}}})
    whole_doc = LabelBlock.model_validate({"records": "$", "fields": {"t": {"path": "text"}}})
    lookup = {"path": "image_id", "lookup": {"items": "$.images[*]", "key": "id", "value": "file_name"}}
    coco = LabelBlock.model_validate({"records": "annotations[*]", "fields": {"image": lookup}})
    assert whole_file_bytes(records, "json", DEFAULT_LIMITS) == WHOLE_FILE_BYTES == 64 << 20
    assert whole_file_bytes(records, "csv", DEFAULT_LIMITS) == WHOLE_FILE_BYTES
    assert whole_file_bytes(whole_doc, "json", DEFAULT_LIMITS) == DEFAULT_LIMITS.max_item_bytes
    assert whole_file_bytes(coco, "json", DEFAULT_LIMITS) == DEFAULT_LIMITS.max_item_bytes
