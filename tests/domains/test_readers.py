"""Readers on hand-made labels: both vision key forms, the three-block variants, transcripts, and
defects reported by archive, member and field."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from ingest.problems import ReadStats
from ingest.readers import get_reader
from ingest.readers.korean_speech import clean_transcript
from ingest.readers.manufacturing import parse_sensor_csv
from kdata.samples.layout import write_zip


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 20, 30)).save(out, format="PNG")
    return out.getvalue()


def _dataset(tmp_path: Path, labels: dict[str, Any], sources: dict[str, bytes]) -> tuple[Path, dict[str, str]]:
    label = tmp_path / "TL_1.zip"
    write_zip(
        label, {k: v if isinstance(v, bytes) else json.dumps(v, ensure_ascii=False).encode() for k, v in labels.items()}
    )
    write_zip(tmp_path / "TS_1.zip", sources)
    index = {name.rsplit("/", 1)[-1].rsplit(".", 1)[0]: f"TS_1.zip!{name}" for name in sources}
    return label, index


def _read(schema: str, label: Path, index: dict[str, str]) -> tuple[list[dict[str, Any]], ReadStats]:
    stats = ReadStats()
    return list(get_reader(schema)(label, "TL_1.zip", index, stats)), stats


COCO = {
    "images": {"file_name": "car.jpg", "width": 40, "height": 30},
    "categories": [{"id": 1, "name": "스크래치"}],
    "annotations": [
        {"category_id": 1, "bbox": [1, 2, 10, 5], "segmentation": [[[1, 2], [11, 2], [11, 7]]]},
        {"damage": "파손", "bbox": [30, 20, 15, 5], "segmentation": [[30, 20, 45, 20, 45, 25]]},
    ],
}
KFASHION = {
    "이미지 정보": {"이미지 식별자": 7, "이미지 파일명": "7.png", "이미지 너비": 40, "이미지 높이": 30},
    "데이터셋 정보": {
        "데이터셋 상세설명": {
            "렉트좌표": {"아우터": [{}], "하의": [{"X좌표": 2, "Y좌표": 3.5, "가로": 20, "세로": 10}]},
            "폴리곤좌표": {
                "아우터": [{}],
                "하의": [{"X좌표1": 2, "Y좌표1": 3.5, "X좌표2": 22, "Y좌표2": 3.5, "X좌표3": 12, "Y좌표3": 13}],
            },
        }
    },
}


def test_vision_reads_both_key_forms_and_counts_boxes_outside(tmp_path: Path) -> None:
    label, index = _dataset(
        tmp_path,
        {"a/car.json": COCO, "b/7.json": KFASHION},
        {"a/car.jpg": _png(40, 30), "b/7.png": _png(40, 30)},
    )
    records, stats = _read("vision_image", label, index)
    assert stats.problems == [] and stats.labels_seen == 2
    car, fashion = records
    assert car["label_format"] == "coco" and fashion["label_format"] == "kfashion"
    assert [a["category"] for a in car["annotations"]] == ["스크래치", "파손"]
    assert car["annotations"][0]["polygons"] == [[1.0, 2.0, 11.0, 2.0, 11.0, 7.0]]
    assert car["boxes_outside"] == 1 and car["polygons_outside"] == 1
    assert fashion["annotations"] == [
        {"category": "하의", "bbox": [2.0, 3.5, 20.0, 10.0], "polygons": [[2.0, 3.5, 22.0, 3.5, 12.0, 13.0]]}
    ]
    assert fashion["boxes_outside"] == 0 and fashion["image_valid"] is True
    assert fashion["image"] == {"bytes": _png(40, 30), "path": "b/7.png"}


def test_image_size_mismatch_and_broken_image_name_archive_member_field(tmp_path: Path) -> None:
    label, index = _dataset(
        tmp_path,
        {"a/car.json": COCO, "b/7.json": KFASHION},
        {"a/car.jpg": _png(41, 30), "b/7.png": b"\x89PNG not really"},
    )
    records, stats = _read("vision_image", label, index)
    assert [r["image_valid"] for r in records] == [False, False]
    found = {(p.code, p.archive, p.member, p.field, p.record_id) for p in stats.problems}
    assert ("image_size", "TL_1.zip", "a/car.json", "images.width", "car") in found
    assert ("image", "TL_1.zip", "b/7.json", None, "7") in found
    assert any("TS_1.zip!a/car.jpg" in p.message and "41" in p.message for p in stats.problems)


def test_missing_source_and_schema_errors_are_reported_not_dropped(tmp_path: Path) -> None:
    broken = {"images": {"file_name": "x.jpg", "width": "wide", "height": 3}}
    label, index = _dataset(tmp_path, {"a/car.json": COCO, "a/x.json": broken, "a/y.json": b"{oops"}, {})
    records, stats = _read("vision_image", label, index)
    assert [r["image_id"] for r in records] == ["car"] and records[0]["source_file"] is None
    found = {(p.code, p.member, p.field) for p in stats.problems}
    assert found == {
        ("missing_source", "a/car.json", None),
        ("schema", "a/x.json", "images.width"),
        ("bad_json", "a/y.json", None),
    }
    assert stats.labels_seen == 3 and stats.labels_invalid == 2


def test_three_block_defects_in_both_variants(tmp_path: Path) -> None:
    listed = {
        "raw_data_info": {"equipment_name": "압출기", "product": "파이프"},
        "source_data_info": {"source_data_name": "d1.jpg", "resolution": [40, 30]},
        "learning_data_info": [
            {"class_name": "스크래치", "class_info_list": [{"class_id": 1, "type_value": [1, 1, 11, 6]}]}
        ],
    }
    variant = {
        "Raw_Data_Info": {"Equipment_Name": "사출기"},
        "Source_Data_Info": {"Source_Data_Name": "d2.jpg", "Resolution": [40, 30]},
        "Learning_Data_Info.": {"Annotations": [{"Class_ID": 2, "Type_value": [30, 20, 50, 25]}]},
    }
    label, index = _dataset(
        tmp_path, {"d1.json": listed, "d2.json": variant}, {"d1.jpg": _png(40, 30), "d2.jpg": _png(40, 30)}
    )
    records, stats = _read("manufacturing_defect", label, index)
    assert stats.problems == []
    assert records[0]["defects"] == [{"class_name": "스크래치", "class_id": 1, "bbox": [1.0, 1.0, 10.0, 5.0]}]
    assert records[1]["defects"][0]["bbox"] == [30.0, 20.0, 20.0, 5.0] and records[1]["boxes_outside"] == 1
    assert records[1]["equipment_name"] == "사출기" and records[1]["label"] == "불량"


def test_sensor_csv_units_order_and_missing_values() -> None:
    csv = (
        "timestamp,temperature(°C),pressure[bar]\n"
        "2023-03-01 09:00:00,180.5,9.1\n2023-03-01 09:00:01,,9.2\n2023-03-01 09:00:01,181,x\n"
    )
    table = parse_sensor_csv(csv.encode("cp949"))
    assert table.names == ["temperature", "pressure"] and table.units == ["°C", "bar"]
    assert table.values[0] == [180.5, None, 181.0] and table.missing == 2
    assert len(table.timestamps) == 3


def test_sensor_label_against_its_series(tmp_path: Path) -> None:
    doc = {
        "raw_data_info": {"equipment_id": "BLR-05", "equipment_name": "보일러"},
        "source_data_info": {
            "source_data_name": "s1.csv",
            "row_count": 3,
            "sensors": [{"name": "temperature", "unit": "K"}],
        },
        "learning_data_info": [
            {
                "class_name": "이상",
                "class_info_list": [{"start_time": "2023-03-01 09:00:01", "end_time": "2023-03-01 10:00:00"}],
            }
        ],
    }
    csv = b"timestamp,temperature(\xc2\xb0C)\n2023-03-01 09:00:00,1\n2023-03-01 09:00:01,2\n"
    label, index = _dataset(tmp_path, {"5.보일러/s1.json": doc}, {"5.보일러/s1.csv": csv})
    (record,), stats = _read("manufacturing_sensor", label, index)
    assert stats.problems == []
    assert record["row_count"] == 2 and record["declared_row_count"] == 3
    assert record["unit_mismatches"] == 1 and record["anomalies_outside"] == 1 and record["label"] == "이상"
    assert record["channels"][0]["values"] == [1.0, 2.0]


def test_healthcare_codes_and_note_text_in_cp949(tmp_path: Path) -> None:
    note = {
        "note_id": "N1",
        "department": "내과",
        "diagnoses": [{"code": "E11.9"}, {"code": "당뇨"}],
        "patient": {"age": 61},
    }
    label, index = _dataset(tmp_path, {"내과/N1.json": note}, {"내과/N1.txt": "S) 두통 호소함.\n".encode("cp949")})
    (record,), stats = _read("healthcare_note", label, index)
    assert stats.problems == []
    assert record["text"] == "S) 두통 호소함.\n" and record["invalid_codes"] == 1 and record["patient_age"] == 61


@pytest.mark.parametrize(
    ("raw", "text", "phonetic", "noise", "dual", "errors"),
    [
        (
            "b/ 그래서 (70%)/(칠 십 퍼센트) 정도 n/ 돼요* +음+",
            "그래서 70% 정도 돼요 음",
            "그래서 칠 십 퍼센트 정도 돼요 음",
            2,
            1,
            0,
        ),
        ("o/ 아 그거(는 l/ 몰라", "아 그거 는 몰라", "아 그거 는 몰라", 2, 0, 1),
        ("u/ n/", "", "", 2, 0, 0),
    ],
)
def test_kspon_transcripts(raw: str, text: str, phonetic: str, noise: int, dual: int, errors: int) -> None:
    cleaned = clean_transcript(raw)
    assert (cleaned.text, cleaned.phonetic, cleaned.noise_tags, cleaned.dual_spellings, cleaned.errors) == (
        text,
        phonetic,
        noise,
        dual,
        errors,
    )


def test_speech_joins_pcm_and_wav_and_counts_duration(tmp_path: Path) -> None:
    import random

    from kdata.samples.media import pcm_audio, wav_audio

    rng = random.Random(1)
    sources = {"K/KsponSpeech_000001.pcm": pcm_audio(rng, 0.5), "K/KsponSpeech_000002.wav": wav_audio(rng, 0.25)}
    labels = {
        "K/KsponSpeech_000001.txt": "b/ 안녕하세요\n".encode("cp949"),
        "K/KsponSpeech_000002.txt": "네 (2시)/(두 시)에요".encode(),
    }
    label, index = _dataset(tmp_path, labels, sources)
    records, stats = _read("korean_speech", label, index)
    assert stats.problems == []
    assert [(r["audio_format"], r["sample_rate"], r["duration"]) for r in records] == [
        ("pcm", 16000, 0.5),
        ("wav", 16000, 0.25),
    ]
    assert [r["text"] for r in records] == ["안녕하세요", "네 2시에요"]


def test_summary_single_document_file_and_bad_extractive(tmp_path: Path) -> None:
    doc = {
        "id": "D1",
        "text": [[{"index": 0, "sentence": "첫 문장."}, {"index": 1, "sentence": ""}]],
        "extractive": [0, 5, None],
        "abstractive": ["요약."],
        "document_quality_scores": {"readable": 4},
    }
    label, index = _dataset(tmp_path, {"a.json": doc, "b.json": {"documents": {"not": "a list"}}}, {"D1.txt": b"x"})
    records, stats = _read("korean_summary", label, index)
    assert [r["doc_id"] for r in records] == ["D1"]
    assert records[0]["extractive_invalid"] == 2 and records[0]["empty_sentence_count"] == 1
    assert records[0]["readable"] == 4 and records[0]["accurate"] is None
    assert [(p.code, p.member, p.field) for p in stats.problems] == [("schema", "b.json", "documents")]


def test_an_integer_its_int32_column_cannot_hold_is_the_labels_problem(tmp_path: Path) -> None:
    """A width of 2**40, or "2147483648" as text, is a schema problem naming member and field: the label is
    skipped and reported, the other labels still become rows that the chunk writer accepts."""
    from ingest.chunks import ChunkWriter
    from schemas.records import get_record_schema

    huge = {"images": {"file_name": "h.jpg", "width": 2**40, "height": 3}}
    text = {"images": {"file_name": "t.jpg", "width": 4, "height": "2147483648"}}
    fits = {"images": {"file_name": "f.jpg", "width": 2**31 - 1, "height": " 30 "}}
    labels = {"a/car.json": COCO, "a/h.json": huge, "a/t.json": text, "a/f.json": fits}
    label, index = _dataset(tmp_path, labels, {})
    records, stats = _read("vision_image", label, index)
    assert sorted(r["image_id"] for r in records) == ["car", "f"]
    assert next(r for r in records if r["image_id"] == "f")["height"] == 30
    found = {(p.code, p.member, p.field, p.message) for p in stats.problems if p.code == "schema"}
    assert found == {
        ("schema", "a/h.json", "images.width", "integer out of the 32-bit range"),
        ("schema", "a/t.json", "images.height", "integer out of the 32-bit range"),
    }
    schema = get_record_schema("vision_image")
    writer = ChunkWriter(
        tmp_path / "chunks", split="train", group=0, source_archive="TL_1.zip", schema=schema.arrow_schema(),
        chunk_bytes=1 << 20, row_group_bytes=1 << 20, batch_rows=8,
    )  # fmt: skip
    writer.write_rows(records)
    assert sum(c.rows for c in writer.close()) == 2
