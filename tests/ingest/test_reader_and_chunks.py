from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest.archives import list_member_names, member_name
from ingest.chunks import ChunkWriter, sha256_file
from ingest.problems import ReadStats
from ingest.readers.korean_dialogue import read
from schemas.records import KOREAN_DIALOGUE


def _dialogue(did: str, utterances: int = 2, declared: int | None = None) -> dict[str, object]:
    body = [
        {
            "utterance": f"안녕하세요 {n}",
            "utteranceID": f"U{n}",
            "participantID": f"P0{n % 2 + 1}",
            "turnID": f"T{n}",
            "date": "2020-12-01",
            "time": "10:00:00",
        }
        for n in range(1, utterances + 1)
    ]
    return {
        "header": {
            "dialogueInfo": {
                "dialogueID": did,
                "numberOfUtterances": declared or utterances,
                "numberOfTurns": utterances,
                "numberOfParticipants": 2,
                "topic": "쇼핑",
                "type": "2인 대화",
            },
            "participantsInfo": [{"participantID": "P01"}, {"participantID": "P02"}],
        },
        "body": body,
    }


class _Cp949Info(zipfile.ZipInfo):
    """A member whose name is stored as CP949 bytes without the UTF-8 flag, as old Korean tools did."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("cp949"), self.flag_bits & ~0x800


def _zip(path: Path, members: dict[str, bytes], utf8_names: bool = True) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if utf8_names:
                archive.writestr(name, data)
            else:
                archive.writestr(_Cp949Info(name), data)
    return path


def test_reader_records_problems_and_sources(tmp_path: Path) -> None:
    doc = {"numberOfItems": 3, "data": [_dialogue("D1"), _dialogue("D2", 3, declared=5), {"header": {}}]}
    archive = _zip(
        tmp_path / "TL_1.zip",
        {
            "쇼핑/a.json": json.dumps(doc, ensure_ascii=False).encode(),
            "쇼핑/b.json": b'{"data": [',
            "쇼핑/c.json": b"\xef\xbb\xbf" + json.dumps({"data": [_dialogue("D3")]}).encode(),
        },
    )
    stats = ReadStats()
    records = list(read(archive, "TL_1.zip", {"D1": "TS_1.zip!쇼핑/D1.txt", "D3": "TS_1.zip!쇼핑/D3.txt"}, stats))
    assert [r["dialogue_id"] for r in records] == ["D1", "D2", "D3"]
    assert records[1]["number_of_utterances"] == 5 and records[1]["utterance_count"] == 3
    assert records[0]["source_file"] == "TS_1.zip!쇼핑/D1.txt" and records[1]["source_file"] is None
    assert stats.labels_seen == 5 and stats.labels_invalid == 2
    codes = {(p.code, p.member, p.field) for p in stats.problems}
    assert ("bad_json", "쇼핑/b.json", None) in codes
    assert ("schema", "쇼핑/a.json", "data[2].header.dialogueInfo") in codes
    assert ("missing_source", "쇼핑/a.json", None) in codes


def test_cp949_member_names_without_utf8_flag(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "old.zip", {"03.주문결제/대화.json": b"{}"}, utf8_names=False)
    with zipfile.ZipFile(archive) as opened:
        info = opened.infolist()[0]
        assert not info.flag_bits & 0x800
        assert info.filename != "03.주문결제/대화.json"  # Python alone gets mojibake
        assert member_name(info) == "03.주문결제/대화.json"
    assert list_member_names(archive) == ["03.주문결제/대화.json"]


def _records(n: int) -> list[dict[str, object]]:
    records = []
    for i in range(n):
        rec = {name: None for name in KOREAN_DIALOGUE.arrow_schema().names}
        rec.update(dialogue_id=f"D{i:05d}", utterance_count=i % 7, utterances=[{"utterance": "가나다" * (i % 13)}])
        records.append(rec)
    return records


def _write(root: Path, rows: list[dict[str, object]], schema: pa.Schema | None = None, **sizes: int) -> list:  # type: ignore[type-arg]
    writer = ChunkWriter(
        root,
        split="train",
        group=0,
        source_archive="TL_1.zip",
        schema=schema or KOREAN_DIALOGUE.arrow_schema(),
        **({"chunk_bytes": 20_000, "row_group_bytes": 5_000, "batch_rows": 100} | sizes),
    )
    writer.write_rows(rows)
    return writer.close()


def test_chunks_roll_over_and_are_byte_identical(tmp_path: Path) -> None:
    rows = _records(2_000)
    first = _write(tmp_path / "a", rows)
    second = _write(tmp_path / "b", rows)
    assert len(first) > 1
    assert sum(c.rows for c in first) == 2_000
    assert [c.key for c in first] == [f"train/part-000-{i:05d}.parquet" for i in range(len(first))]
    for a, b in zip(first, second, strict=True):
        assert (tmp_path / "a" / a.key).read_bytes() == (tmp_path / "b" / b.key).read_bytes()
        assert a.sha256 == sha256_file(tmp_path / "a" / a.key)
        meta = pq.read_metadata(tmp_path / "a" / a.key)
        assert meta.num_rows == a.rows
        if a is not first[-1]:
            assert meta.num_row_groups >= 2  # row groups sized for range reads, not one per chunk
        # a batch of 100 rows holds more than row_group_bytes: it is split into smaller row groups
        assert max(meta.row_group(i).num_rows for i in range(meta.num_row_groups)) < 100
    assert not list((tmp_path / "a").rglob("*.incomplete"))
    assert pq.read_table(tmp_path / "a" / first[0].key).column("dialogue_id")[0].as_py() == "D00000"


def test_no_rows_no_chunks(tmp_path: Path) -> None:
    assert _write(tmp_path, []) == []


def test_a_value_the_schema_cannot_hold_names_file_and_field(tmp_path: Path) -> None:
    """An integer past an int32 column's range (a label's width of 2**40 ...) is BadInput naming the
    label file and the column, not an Arrow error naming nothing; nothing is left as a finished chunk."""
    from kcore.errors import BadInput

    rows = _records(5)
    rows[3] |= {"utterance_count": 2**40, "label_archive": "TL_1.zip", "label_member": "a/b.json"}
    with pytest.raises(BadInput, match=r"TL_1\.zip!a/b\.json: field 'utterance_count' \(int32\)"):
        _write(tmp_path, rows)
    assert not list(tmp_path.rglob("*.parquet"))


@pytest.mark.parametrize("data_type", ["image", "audio"])
def test_image_bytes_are_stored_as_they_are_and_the_rest_compressed(tmp_path: Path, data_type: str) -> None:
    """JPEG/PNG bytes go into Parquet without zstd or a dictionary (compressed already); audio (often PCM) and
    every other column keep zstd. The rows read back the same."""
    from schemas.labels import LabelMapping
    from schemas.mapped import mapped_schema

    mapping = LabelMapping.model_validate({"fields": {"id": {"path": "@stem", "role": "id"}}})
    schema = mapped_schema(mapping, name="m", domain="vision", data_type=data_type).record_schema
    media = bytes(range(256)) * 64
    row = {c.name: None for c in schema.columns} | {"row_key": "k", "id": "a", "media": {"bytes": media, "path": "a"}}
    rows = [{**row, "id": f"a{i}"} for i in range(3)]
    (chunk,) = _write(tmp_path, rows, schema.arrow_schema(), chunk_bytes=1 << 24, row_group_bytes=1 << 22)
    meta = pq.read_metadata(tmp_path / chunk.key)
    codecs = {meta.row_group(0).column(i).path_in_schema: meta.row_group(0).column(i) for i in range(meta.num_columns)}
    stored = data_type == "image"
    assert codecs["media.bytes"].compression == ("UNCOMPRESSED" if stored else "ZSTD")
    assert ("RLE_DICTIONARY" in codecs["media.bytes"].encodings) is not stored
    assert {c.compression for path, c in codecs.items() if path != "media.bytes"} == {"ZSTD"}
    table = pq.read_table(tmp_path / chunk.key)
    assert table.column("media").to_pylist()[2] == {"bytes": media, "path": "a"}
