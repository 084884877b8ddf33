"""The cases the label-mapping issue names: shapes that failed or published empty versions before."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest
import yaml
from rich.console import Console

from kdata.inspect_cmd import run_inspect
from schemas.labels import LabelBlock
from schemas.manifest import ManifestError, load_manifest
from tests.mapping.support import extract, tiny_dicom, tiny_png, tiny_wav, write_manifest, zip_files

LABELS = "01.데이터/1.Training/라벨링데이터"
SOURCES = "01.데이터/1.Training/원천데이터"


def inspect_write(folder: Path) -> int:
    quiet = Console(file=io.StringIO())
    return run_inspect(folder, write_manifest=True, as_json=False, out=quiet, err=quiet)


def test_kspon_speech_zip_cp949_txt_beside_pcm(tmp_path: Path, kdata_home: Path) -> None:
    """KsponSpeech ships KsponSpeech_01.zip: .pcm audio and a same-stem CP949 .txt, no TL/TS, no split."""
    root = tmp_path / "KsponSpeech"
    texts = {"KsponSpeech_000001": "아 몬 소리야 그건 또 n/", "KsponSpeech_000002": "(70%)/(칠십 퍼센트) 정도 b/"}
    files: dict[str, bytes] = {}
    for stem, text in texts.items():
        files[f"KsponSpeech_01/KsponSpeech_0001/{stem}.pcm"] = b"\x00\x01" * 800
        files[f"KsponSpeech_01/KsponSpeech_0001/{stem}.txt"] = (text + "\n").encode("cp949")
    zip_files(root / "10.한국어음성/KsponSpeech_01.zip", files)
    write_manifest(root, "kspon-speech", "korean", "audio")
    assert inspect_write(root) == 0
    manifest = load_manifest(root)
    assert manifest.labels is not None
    rows, problems, plan = extract(root)
    assert plan["units"][0]["split"] == "train"
    assert plan["labels_in"] == {"10.한국어음성/KsponSpeech_01.zip": [".txt"]}
    assert sorted(r["text"] for r in rows) == sorted(texts.values())
    assert {r["file_id"] for r in rows} == set(texts)
    for row in rows:
        assert (
            row["source_file"]
            == f"10.한국어음성/KsponSpeech_01.zip!KsponSpeech_01/KsponSpeech_0001/{row['file_id']}.pcm"
        )
        assert row["media"]["bytes"] == b"\x00\x01" * 800
        assert json.loads(row["label_json"]) == {"text": texts[row["file_id"]]}
    assert [p for p in problems if p["code"] != "skipped_member"] == []


def test_tool_zip_in_tree_is_skipped_and_listed(tmp_path: Path, kdata_home: Path) -> None:
    root = tmp_path / "014.KFashion"
    label = {"이미지 정보": {"이미지 식별자": 1001, "이미지 파일명": "a.jpg", "이미지 너비": 4, "이미지 높이": 3}}
    zip_files(
        root / f"{LABELS}/TL_1.스트리트.zip", {"스트리트/1001.json": json.dumps(label, ensure_ascii=False).encode()}
    )
    zip_files(root / f"{SOURCES}/TS_1.스트리트.zip", {"스트리트/1001.jpg": tiny_png()})
    zip_files(root / "03.저작도구/3.설치 파일/kfashion_web.zip", {"index.html": b"<html></html>"})
    (root / "04.매뉴얼").mkdir()
    (root / "04.매뉴얼/가이드.pdf").write_bytes(b"%PDF-1.4")
    write_manifest(root, "kfashion-tool", "vision", "image")
    assert inspect_write(root) == 0
    rows, _problems, plan = extract(root)
    skipped = {s["path"]: s["reason"] for s in plan["skipped"]}
    assert "03.저작도구/3.설치 파일/kfashion_web.zip" in skipped
    assert "04.매뉴얼/가이드.pdf" in skipped
    assert len(rows) == 1 and rows[0]["image_id"] == "1001"
    assert rows[0]["image_valid"] is True


def test_car_damage_polygons_one_level_deeper(tmp_path: Path, kdata_home: Path) -> None:
    root = tmp_path / "car"
    label = {
        "images": {"file_name": "0001.jpg", "width": 4, "height": 3, "id": 1},
        "annotations": [
            {"id": 11, "damage": "Scratched", "bbox": [0, 0, 2, 2], "segmentation": [[[0, 0], [2, 0], [2, 2]]]},
            {"id": 12, "damage": "Breakage", "bbox": [1, 1, 9, 9], "segmentation": [[[1, 1], [9, 1], [9, 9]]]},
        ],
        "categories": [{"id": 1, "name": "Scratched"}],
    }
    zip_files(root / f"{LABELS}/TL_damage.zip", {"damage/0001.json": json.dumps(label).encode()})
    zip_files(root / f"{SOURCES}/TS_damage.zip", {"damage/0001.jpg": tiny_png()})
    write_manifest(root, "car-damage", "transport", "image")
    assert inspect_write(root) == 0
    rows, _problems, _ = extract(root)
    assert len(rows) == 1, "one row per image: the label file pairs with its image"
    row = rows[0]
    polygons = next(v for k, v in row.items() if k.endswith("segmentation"))
    assert polygons == [[[0.0, 0.0, 2.0, 0.0, 2.0, 2.0]], [[1.0, 1.0, 9.0, 1.0, 9.0, 9.0]]]  # each item's polygons
    assert row["segmentation__outside"] == 1  # the second polygon leaves the 4x3 image
    assert row["bbox__outside"] == 1
    assert json.loads(row["label_json"]) == label


def test_domain_mismatch_is_refused(tmp_path: Path) -> None:
    path = write_manifest(tmp_path, "fin-dialogue", "finance", "text", record_schema="korean_dialogue")
    with pytest.raises(ManifestError, match="korean schema"):
        load_manifest(path)
    path = write_manifest(tmp_path, "fin-dialogue", "finance", "text", labels={"preset": "korean_dialogue"})
    with pytest.raises(ManifestError, match="preset 'korean_dialogue'"):
        load_manifest(path)


def test_emotional_dialogue_keyed_turns(tmp_path: Path, kdata_home: Path) -> None:
    """감성 대화: a top-level list; turns are the keys of talk.content (HS01, SS01, ...)."""
    root = tmp_path / "emotion"
    doc = [
        {"profile": {"persona-id": "Pro_05349", "emotion": {"emotion-id": "E18", "type": "E18"}},
         "talk": {"id": {"profile-id": "Pro_05349", "talk-id": "Pro_05349_00053"},
                  "content": {"HS01": "일은 왜 해도 해도 끝이 없을까?", "SS01": "많이 힘드시겠어요.",
                              "HS02": "", "SS02": ""}}},
        {"profile": {"persona-id": "Pro_03306", "emotion": {"emotion-id": "E31", "type": "E31"}},
         "talk": {"id": {"profile-id": "Pro_03306", "talk-id": "Pro_03306_00001"},
                  "content": {"HS01": "요즘 너무 외로워.", "SS01": "무슨 일 있으셨어요?"}}},
    ]  # fmt: skip
    zip_files(root / "Training/라벨링데이터/감성대화말뭉치(최종데이터)_Training.zip",
              {"감성대화말뭉치(최종데이터)_Training.json": json.dumps(doc, ensure_ascii=False).encode()})  # fmt: skip
    labels = {
        "files": ["*.json"],
        "records": "[*].talk.content.*",
        "fields": {
            "talk_id": {"path": "$[*].talk.id.talk-id"},
            "turn": {"path": "@key"},
            "emotion": {"path": "$[*].profile.emotion.type", "role": "class"},
            "utterance": {"path": "@", "role": "text"},
        },
    }
    write_manifest(root, "emotional-dialogue", "korean", "text", labels=labels)
    rows, _problems, _ = extract(root)
    assert [(r["talk_id"], r["turn"], r["utterance"]) for r in rows][:3] == [
        ("Pro_05349_00053", "HS01", "일은 왜 해도 해도 끝이 없을까?"),
        ("Pro_05349_00053", "SS01", "많이 힘드시겠어요."),
        ("Pro_05349_00053", "HS02", ""),
    ]
    assert len(rows) == 6 and rows[5]["emotion"] == "E31"
    assert [r["utterance__empty"] for r in rows] == [0, 0, 1, 1, 0, 0]
    assert rows[0]["row_key"].endswith("/0/HS01")


def test_jsonl_and_meeting_session_are_read_not_ignored(tmp_path: Path, kdata_home: Path) -> None:
    root = tmp_path / "meeting"
    dialogs = [
        {"speaker": f"SPK00{n}", "audioPath": f"audio/S001_000{n}.wav", "textPath": f"text/S001_000{n}.txt"}
        for n in (1, 2)
    ]
    session = {"dataSet": {"version": "1.0", "typeInfo": {"category": "회의"}, "dialogs": dialogs}}
    lines = [{"id": "L1", "text": "첫 문장입니다", "speaker": "A"}, {"id": "L2", "text": "둘째 문장", "speaker": "B"}]
    zip_files(root / f"{LABELS}/TL_session.zip", {
        "session/S001.json": json.dumps(session, ensure_ascii=False).encode(),
        "lines/part1.jsonl": "\n".join(json.dumps(x, ensure_ascii=False) for x in lines).encode(),
    })  # fmt: skip
    zip_files(root / f"{SOURCES}/TS_session.zip", {"audio/S001_0001.wav": b"RIFF", "audio/S001_0002.wav": b"RIFF"})
    write_manifest(root, "meeting-speech", "korean", "text")
    assert inspect_write(root) == 0
    manifest = load_manifest(root)
    assert manifest.labels is not None and len(manifest.labels.blocks) == 2
    rows, _problems, _ = extract(root)
    assert len(rows) == 4
    sources = sorted(r["source_file"] for r in rows if r["source_file"])
    assert sources == ["01.데이터/1.Training/원천데이터/TS_session.zip!audio/S001_0001.wav",
                       "01.데이터/1.Training/원천데이터/TS_session.zip!audio/S001_0002.wav"]  # fmt: skip


def test_empty_version_is_never_published(tmp_path: Path, kdata_home: Path) -> None:
    """Label files the mapping does not match: counted as skipped, 0 rows, the gate refuses (exit 3)."""
    root = tmp_path / "empty"
    zip_files(root / f"{LABELS}/TL_a.zip", {"a/x.json": b'{"id": "1"}', "a/y.json": b'{"id": "2"}'})
    (root / "03.매뉴얼").mkdir()
    (root / "03.매뉴얼/구축 가이드.hwp").write_bytes(b"HWP Document File")
    labels = {"files": ["**/*.xml"], "fields": {"id": {"path": "id", "role": "id"}}}
    write_manifest(root, "empty-version", "korean", "text", labels=labels)
    done = subprocess.run(
        [sys.executable, "-m", "kdata", "ingest", str(root), "--json"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 3, done.stderr
    result = json.loads(done.stdout)
    assert result["status"] == "quality_failed"
    summary = json.loads(Path(result["report"]).with_name("quality_summary.json").read_text(encoding="utf-8"))
    assert "records_present" in summary["critical_failed"]
    skipped = [p for p in summary["problems"] if p["code"] == "skipped_member"]
    assert skipped and "2 member(s) *.json not read: no labels block matches" in skipped[0]["message"]
    assert not (kdata_home / "store" / "empty-version").exists()
    assert [f["path"] for f in summary["skipped_files"]] == ["03.매뉴얼/구축 가이드.hwp"]
    assert "id" in summary["checks_by_column"]  # which checks ran on which column
    page = Path(result["report"]).read_text(encoding="utf-8")
    assert "구축 가이드.hwp" in page and "checks-by-column" in page


def test_inspect_json_is_one_document_and_refusals_exit_2(tmp_path: Path, kdata_home: Path) -> None:
    from typer.testing import CliRunner

    from kdata.cli import app

    root = tmp_path / "fin"
    doc = {"meta": {"doc_no": "F1"}, "sents": [{"sn": "F1-1", "mt": "a b c d e"}, {"sn": "F1-2", "mt": "f g h i"}]}
    zip_files(root / f"{LABELS}/TL_1.금융.zip", {"F1.json": json.dumps(doc).encode()})
    runner = CliRunner()
    shown = runner.invoke(app, ["inspect", str(root), "--json"])
    assert shown.exit_code == 0
    report = json.loads(shown.stdout)
    assert report["splits"] == ["train"] and report["labels"][0]["records"] == "$.sents[*]"
    shape = {row["path"]: row for row in report["label_files"][0]["shape"]}
    assert shape["$.sents[*].sn"]["types"] == {"string": 2} and shape["$.sents[*].sn"]["examples"] == ["F1-1", "F1-2"]
    refused = runner.invoke(app, ["inspect", str(root), "--write-manifest"])  # no dataset.yaml yet
    assert refused.exit_code == 2 and not (root / "dataset.yaml").exists()
    write_manifest(root, "fin-inspect", "finance", "text", record_schema="korean_dialogue")
    before = (root / "dataset.yaml").read_text(encoding="utf-8")
    refused = runner.invoke(app, ["inspect", str(root), "--write-manifest"])  # already says how to read
    assert refused.exit_code == 2 and (root / "dataset.yaml").read_text(encoding="utf-8") == before


def voc(name: str, boxes: list[tuple[str, int, int, int, int]]) -> bytes:
    objects = "".join(
        f"<object><name>{c}</name><bndbox><xmin>{a}</xmin><ymin>{b}</ymin><xmax>{x}</xmax><ymax>{y}</ymax>"
        "</bndbox></object>"
        for c, a, b, x, y in boxes
    )
    return (
        f"<annotation><filename>{name}</filename><size><width>4</width><height>3</height><depth>3</depth></size>"
        f"{objects}</annotation>"
    ).encode()


def test_voc_xml_per_image(tmp_path: Path, kdata_home: Path) -> None:
    """VOC-style XML, one file per image: numbers come as text; boxes are xmin/ymin/xmax/ymax."""
    root = tmp_path / "voc"
    labels = {
        "Annotations/0001.xml": voc("0001.jpg", [("car", 0, 0, 2, 2), ("bus", 1, 1, 9, 2)]),
        "Annotations/0002.xml": voc("0002.jpg", [("car", 1, 0, 3, 3)]),
    }
    zip_files(root / f"{LABELS}/TL_1.도로.zip", labels)
    zip_files(root / f"{SOURCES}/TS_1.도로.zip", {"JPEGImages/0001.jpg": tiny_png(), "JPEGImages/0002.jpg": tiny_png()})
    write_manifest(root, "road-voc", "transport", "image")
    assert inspect_write(root) == 0
    rows, problems, _ = extract(root)
    assert [p for p in problems if p["code"] not in ("image",)] == []
    by_file = {r["filename"]: r for r in rows}
    assert by_file["0001.jpg"]["bndbox"] == [[0.0, 0.0, 2.0, 2.0], [1.0, 1.0, 8.0, 1.0]]
    assert by_file["0001.jpg"]["bndbox__outside"] == 1  # the bus reaches x = 9 on a 4-pixel-wide image
    assert by_file["0001.jpg"]["name"] == ["car", "bus"] and by_file["0002.jpg"]["width"] == 4
    assert all(r["image_valid"] for r in rows)


def test_images_shipped_inside_the_label_archive(tmp_path: Path, kdata_home: Path) -> None:
    """A TL_ zip holding each image beside its label: the images are sources, not skipped label files."""
    root = tmp_path / "together"
    files: dict[str, bytes] = {}
    for n in (1, 2):
        label = {"image": {"file_name": f"IMG_{n}.png", "width": 4, "height": 3}, "class": "pothole"}
        files[f"도로/IMG_{n}.json"] = json.dumps(label).encode()
        files[f"도로/IMG_{n}.png"] = tiny_png()
    zip_files(root / f"{LABELS}/TL_1.도로.zip", files)
    write_manifest(root, "road-together", "transport", "image")
    assert inspect_write(root) == 0
    rows, problems, plan = extract(root)
    assert problems == []
    archive = f"{LABELS}/TL_1.도로.zip"
    assert plan["sources"] == {"train": [archive]} and plan["labels_in"] == {archive: [".json"]}
    assert sorted(r["source_file"] for r in rows) == [f"{archive}!도로/IMG_1.png", f"{archive}!도로/IMG_2.png"]
    assert all(r["image_valid"] and r["media"]["bytes"] == tiny_png() for r in rows)


def test_free_talk_speech_with_korean_keys_and_times_written_as_text(tmp_path: Path, kdata_home: Path) -> None:
    """AI Hub's free-conversation speech labels: Korean top-level keys (발화정보, 녹음자정보), the audio named by
    ``fileNm``, the recording time as text (``"recrdTime": "5.26"``) and the transcript in ``stt``. Inspect
    suggests the roles (source, duration read as a number, text, id) and the rows join their audio."""
    root = tmp_path / "free-talk"
    labels: dict[str, bytes] = {}
    audio: dict[str, bytes] = {}
    for n, (text, seconds) in enumerate(
        [("오늘 날씨가 정말 좋네요", "5.26"), ("점심은 뭐 먹을까요", "2.5"), ("네", "0.75")]
    ):
        name = f"SPK001_{n:05d}"
        label = {
            "발화정보": {"scriptId": f"S{n:06d}", "fileNm": f"{name}.wav", "recrdTime": seconds, "stt": text},
            "녹음자정보": {"gender": "여성", "recorderId": "SPK001", "age": 31},
        }
        labels[f"일상/{name}.json"] = json.dumps(label, ensure_ascii=False).encode()
        audio[f"일상/{name}.wav"] = tiny_wav(400 * (n + 1), seed=n)
    zip_files(root / LABELS / "TL_1.일상.zip", labels)
    zip_files(root / SOURCES / "TS_1.일상.zip", audio)
    write_manifest(root, "free-talk-speech", "korean", "audio")
    assert inspect_write(root) == 0
    manifest = load_manifest(root)
    assert manifest.labels is not None
    roles = {name: spec.role for name, spec in manifest.labels.blocks[0].fields.items() if spec.role}
    expected = {"script_id": "id", "file_nm": "source", "recrd_time": "duration", "stt": "text"}
    assert roles == {**expected, "recorder_id": "speaker"}  # 녹음자: who speaks
    rows, problems, _ = extract(root)
    assert problems == []
    by_id = {r["script_id"]: r for r in rows}
    assert [by_id[f"S{n:06d}"]["recrd_time"] for n in range(3)] == [5.26, 2.5, 0.75]
    assert by_id["S000001"]["stt"] == "점심은 뭐 먹을까요"
    assert by_id["S000002"]["media"]["bytes"] == tiny_wav(1200, seed=2)
    assert all(r["audio_valid"] for r in rows)
    assert by_id["S000000"]["source_file"] == f"{SOURCES}/TS_1.일상.zip!일상/SPK001_00000.wav"


def _roles(root: Path) -> dict[str, str]:
    manifest = load_manifest(root)
    assert manifest.labels is not None
    return {name: spec.role for name, spec in manifest.labels.blocks[0].fields.items() if spec.role}


def _first_block(
    root: Path, shipped: dict[str, dict[str, bytes]], dataset_id: str, domain: str, data_type: str
) -> LabelBlock:
    """Zip ``shipped`` (as :func:`_inspected`), run ``kdata inspect --write-manifest``: the first block written."""
    for name, members in shipped.items():
        zip_files(root / (LABELS if name.startswith("TL") else SOURCES) / name, members)
    write_manifest(root, dataset_id, domain, data_type)
    assert inspect_write(root) == 0
    mapping = load_manifest(root).labels
    assert mapping is not None
    return mapping.blocks[0]


def _inspected(root: Path, shipped: dict[str, dict[str, bytes]], dataset_id: str, domain: str) -> dict[str, str]:
    """Zip ``shipped`` (archive name under the Training labels or sources folder → members), write an image
    dataset's manifest, run ``kdata inspect --write-manifest``; the roles it suggested."""
    for name, members in shipped.items():
        zip_files(root / (LABELS if name.startswith("TL") else SOURCES) / name, members)
    write_manifest(root, dataset_id, domain, "image")
    assert inspect_write(root) == 0
    return _roles(root)


def test_numbered_polygon_points_are_a_polygon_and_x_y_width_height_a_box(tmp_path: Path, kdata_home: Path) -> None:
    """AI Hub's pet skin-disease labels (``labelingInfo[{polygon: {location: [{x1, y1, ..., xN, yN}]}}, {box:
    {location: [{x, y, width, height}]}}]``): numbered points past two are a polygon (never a box read from
    its first two points), ``x/y/width/height`` a box; the disease code is a class."""
    root = tmp_path / "pet-skin"
    labels: dict[str, bytes] = {}
    images: dict[str, bytes] = {}
    for n in range(4):
        stem = f"IMG_D_A{n % 2 + 1}_{n:06d}"
        points = {"x1": 5, "y1": 1, "x2": 1, "y2": 2, "x3": 3, "y3": 2 + n % 2, "x4": 2, "y4": 0}  # x2 < x1
        label = {
            "metaData": {"Raw data ID": f"{stem}.jpg", "lesions": f"A{n % 2 + 1}", "breed": "말티즈"},
            "labelingInfo": [
                {"polygon": {"location": [points], "label": f"A{n % 2 + 1}_구진", "type": "polygon"}},
                {"box": {"color": "#27b73c", "location": [{"x": 1, "y": 0, "width": 4, "height": 2 + n % 2}]}},
            ],
        }
        labels[f"반려견/피부/{stem}.json"] = json.dumps(label, ensure_ascii=False).encode()
        images[f"반려견/피부/{stem}.jpg"] = tiny_png(8, 6)
    roles = _inspected(root, {"TL_A1_구진.zip": labels, "TS_A1_구진.zip": images}, "pet-skin", "healthcare")
    assert sorted(roles.values()).count("polygon") == 1 and "bbox" in roles.values()
    polygon = next(name for name, role in roles.items() if role == "polygon")
    box = next(name for name, role in roles.items() if role == "bbox")
    assert roles.get("lesions") == "class"
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 4 and all(r["image_valid"] for r in rows)
    by_image = {r["source_file"].rsplit("/", 1)[1]: r for r in rows}
    # one shape per labelingInfo item, null where the item holds the other kind: aligned item by item
    assert by_image["IMG_D_A1_000000.jpg"][polygon] == [[[5.0, 1.0, 1.0, 2.0, 3.0, 2.0, 2.0, 0.0]], None]
    assert by_image["IMG_D_A2_000001.jpg"][polygon] == [[[5.0, 1.0, 1.0, 2.0, 3.0, 3.0, 2.0, 0.0]], None]
    assert by_image["IMG_D_A1_000000.jpg"][box] == [None, [1.0, 0.0, 4.0, 2.0]]
    assert by_image["IMG_D_A2_000001.jpg"][box] == [None, [1.0, 0.0, 4.0, 3.0]]


def test_a_box_over_numbered_polygon_points_is_refused_naming_the_field(tmp_path: Path, kdata_home: Path) -> None:
    """A hand-written ``role: bbox`` over ``{x1, y1, x2, y2, x3, y3}`` would read the first two points as a
    box's corners: the engine refuses it (a schema problem naming the field), publishing no wrong box."""
    root = tmp_path / "points"
    label = {"id": "a", "shape": {"x1": 0, "y1": 0, "x2": 2, "y2": 2, "x3": 1, "y3": 3}}
    zip_files(root / LABELS / "TL_1.zip", {"p/a.json": json.dumps(label).encode()})
    write_manifest(root, "points-box", "vision", "image")
    manifest = yaml.safe_load((root / "dataset.yaml").read_text(encoding="utf-8"))
    manifest["labels"] = [
        {"files": ["**/*.json"], "format": "json", "records": "$",
         "fields": {"id": {"path": "id", "role": "id"}, "shape": {"path": "shape", "role": "bbox"}}}
    ]  # fmt: skip
    (root / "dataset.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True), encoding="utf-8")
    rows, problems, _ = extract(root)
    assert rows == []
    assert [(p["code"], p["member"], p["field"]) for p in problems] == [("schema", "p/a.json", "shape")]
    assert "x3" in problems[0]["message"] and "polygon" in problems[0]["message"]


def test_dotted_image_size_keys_and_character_offsets(tmp_path: Path, kdata_home: Path) -> None:
    """AI Hub's administrative-document OCR labels write ``"image.width"``/``"image.height"``: the image size
    roles (so boxes are checked against the real image); a QA label's ``answer_start`` is a character offset,
    an integer, never a time."""
    root = tmp_path / "ocr"
    labels: dict[str, bytes] = {}
    images: dict[str, bytes] = {}
    for n in range(3):
        stem = f"5350408-2017-0021-{n:04d}"
        label = {
            "images": [{"image.width": 8, "image.height": 6, "image.file.name": f"{stem}.png"}],
            "annotations": [{"annotation.text": "행정", "annotation.bbox": [1, 1, 3, 2]}],
            "qa": {"question": "문서의 제목은 무엇인가요?", "answer_start": 10 + n, "answer_end": 14 + n},
        }
        labels[f"계획서/{stem}.json"] = json.dumps(label, ensure_ascii=False).encode()
        images[f"계획서/{stem}.png"] = tiny_png(8, 6)
    roles = _inspected(root, {"TL_1.zip": labels, "TS_1.zip": images}, "admin-ocr", "vision")
    assert {"image_width", "image_height", "source", "bbox"} <= set(roles.values())
    assert "start" not in roles.values() and "end" not in roles.values()
    fields = load_manifest(root).labels.blocks[0].fields  # type: ignore[union-attr]
    assert fields["answer_start"].type == "int"
    rows, problems, _ = extract(root)
    assert problems == [] and [r["answer_start"] for r in rows] == [10, 11, 12]
    assert all(r["image_valid"] for r in rows)


def test_qa_rows_two_lists_deep_with_short_answers_and_context_ids(tmp_path: Path, kdata_home: Path) -> None:
    """AI Hub's technical-document MRC labels (``dataset.context_info[].qas[]``): a row per question, the
    context's fields carried onto it; a short answer ("알루미늄") is the row's text, ``context_id`` is not."""
    root = tmp_path / "mrc"
    context = "연구진은 알루미늄 합금의 수명을 개선하기 위해 열처리 조건을 바꾸어 시험하였다."
    documents = []
    for d in range(3):
        contexts = []
        for c in range(2):
            qas = [
                {"question_id": f"Q{d}{c}{q}", "question-1": f"무엇의 수명을 개선했나요? ({q})",
                 "answer": "알루미늄 합금" if q else "열처리", "answer_start": 4 if q else 22}
                for q in range(2)
            ]  # fmt: skip
            contexts.append({"context_id": f"DOC{d}_{c}", "context": context, "qas": qas})
        label = {"dataset": {"doc_id": f"DOC{d}", "doc_title": "알루미늄 합금 연구 보고서", "context_info": contexts}}
        documents.append(label)
    zip_files(
        root / LABELS / "TL_기술과학.zip",
        {f"기술과학/DOC{d}.json": json.dumps(doc, ensure_ascii=False).encode() for d, doc in enumerate(documents)},
    )
    write_manifest(root, "techsci-mrc", "korean", "text")
    assert inspect_write(root) == 0
    block = load_manifest(root).labels.blocks[0]  # type: ignore[union-attr]
    assert block.records == "$.dataset.context_info[*].qas[*]"
    roles = {name: spec.role for name, spec in block.fields.items() if spec.role}
    assert roles.get("answer") == "text" and "context_id" not in roles
    assert block.fields["answer_start"].type == "int"
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 12
    assert sorted({r["context_id"] for r in rows}) == [f"DOC{d}_{c}" for d in range(3) for c in range(2)]
    assert {r["answer"] for r in rows} == {"알루미늄 합금", "열처리"}


def test_a_ragged_csv_line_is_counted_and_refused_not_dropped(tmp_path: Path, kdata_home: Path) -> None:
    """A CSV label line with more cells than the header (or an XML file that is not XML) used to vanish: one
    row short, exit 0, the syntactic share still 100 %. Every unreadable label unit counts against it now."""
    root = tmp_path / "sensor"
    lines = ["run_id,설비ID,temperature,result"] + [f"R{n:03d},보일러-1,{60 + n},정상" for n in range(12)]
    lines.insert(6, "R900,보일러-1,61,정상,extra,cells")  # line 7 of the file
    zip_files(root / LABELS / "TL_보일러.zip", {"보일러/runs.csv": "\n".join(lines).encode()})
    write_manifest(root, "sensor-runs", "manufacturing", "sensor")
    assert inspect_write(root) == 0
    rows, problems, _ = extract(root)
    assert len(rows) == 12 and rows[0]["seolbi_id"] == "보일러-1"  # 설비ID: a valid column name (inspect exit 0)
    assert [(p["code"], p["member"], p["field"]) for p in problems] == [("bad_csv", "보일러/runs.csv", "line 7")]
    done = subprocess.run(
        [sys.executable, "-m", "kdata", "ingest", str(root), "--json"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 3, done.stderr
    result = json.loads(done.stdout)
    assert "label_schema_valid" in result["error"]
    assert result["examples"][0].startswith(f"bad_csv: {LABELS}/TL_보일러.zip!보일러/runs.csv field 'line 7'")
    assert not (kdata_home / "store" / "sensor-runs").exists()


def test_unreadable_xml_is_an_invalid_label_and_read_stats_keep_the_codes_honest(tmp_path: Path) -> None:
    from ingest.problems import UNUSABLE_LABEL, Problem, ReadStats
    from quality.check import invalid_units

    problems = [
        Problem(code, "TL.zip", "a.xml", None, "x").to_dict() for code in ("bad_xml", "bad_line", "too_large")
    ] + [Problem("missing_source", "TL.zip", "a.xml", None, "x").to_dict()]
    assert [p["code"] for p in invalid_units(problems)] == ["bad_xml", "bad_line", "too_large"]
    stats = ReadStats()
    with pytest.raises(ValueError, match="UNUSABLE_LABEL"):  # a label dropped under a code nobody counts
        stats.add(Problem("bad_yaml", "TL.zip", "a.yaml", None, "x"), invalid_label=True)
    with pytest.raises(ValueError, match="UNUSABLE_LABEL"):  # a counted code on a label that still has rows
        stats.add(Problem("bad_text", "TL.zip", "a.txt", None, "x"), invalid_label=False)
    assert "bad_csv" in UNUSABLE_LABEL and stats.problems == []


def test_empty_csv_cells_are_null_numbers_and_a_bad_cell_names_its_line(tmp_path: Path, kdata_home: Path) -> None:
    """An empty cell where a number is mapped (an anomaly's start and end, empty for normal runs) is null, not a
    schema error; a cell that is not a number is one, naming the column and the line."""
    root = tmp_path / "anomaly"
    csv = "run_id,이상시작,이상종료\nR1,,\nR2,12.5,14\nR3, ,\nR4,abc,3\n"
    zip_files(root / LABELS / "TL_1.zip", {"runs.csv": csv.encode()})
    fields = {
        "run_id": {"path": "run_id", "role": "id"},
        "anomaly_start": {"path": "이상시작", "role": "start"},
        "anomaly_end": {"path": "이상종료", "role": "end"},
    }
    labels = [{"files": ["**/*.csv"], "format": "csv", "records": "$", "fields": fields}]
    write_manifest(root, "anomaly-runs", "manufacturing", "sensor", labels=labels)
    rows, problems, _ = extract(root)
    assert [(r["run_id"], r["anomaly_start"], r["anomaly_end"]) for r in rows] == [
        ("R1", None, None),
        ("R2", 12.5, 14.0),
        ("R3", None, None),
    ]
    from ingest.problems import Problem

    (bad,) = problems
    assert (bad["code"], bad["field"]) == ("schema", "이상시작")
    assert Problem.from_dict(bad).describe().startswith(f"{LABELS}/TL_1.zip!runs.csv field '이상시작' (record #L5)")


def test_three_block_x_rays_boxes_are_corners_the_resolution_is_the_size_and_dicom_is_read(
    tmp_path: Path, kdata_home: Path
) -> None:
    """AI Hub's three-block medical-imaging labels: ``Learning_Data_Info.{Annotations: [{Class_ID, Type_value:
    [x1, y1, x2, y2]}]}``, ``Raw_Data_Info.{Resolution: [W, H]}``, DICOM sources. The boxes are corners (read
    as [x, y, w, h] they were published several times too large, verdict passed), the resolution is the image
    size they are checked against, and a DICOM file is read by its header (every one was refused as "not a
    readable image"); one whose pixel data is shorter than its header says is not valid."""
    labels: dict[str, bytes] = {}
    images: dict[str, bytes] = {}
    for n in range(6):
        stem = f"CXR_{n:04d}"
        label = {
            "Raw_Data_Info.": {"Raw_Data_ID": stem, "Resolution": [8, 6]},
            "Source_Data_Info.": {"Source_Data_ID": f"{stem}.dcm", "File_Extension": "dcm"},
            "Learning_Data_Info.": {
                "Annotations": [{"Class_ID": f"C0{n % 2}", "Type": "bbox", "Type_value": [2, 1, 5, 4 + n % 2]}]
            },
        }
        labels[f"흉부/{stem}.json"] = json.dumps(label, ensure_ascii=False).encode()
        images[f"흉부/{stem}.dcm"] = tiny_dicom(8, 6, pixel_bytes=10 if n == 5 else None)
    roles = _inspected(tmp_path / "cxr", {"TL_흉부.zip": labels, "TS_흉부.zip": images}, "chest-xray", "healthcare")
    assert {"bbox", "image_width", "image_height"} <= set(roles.values()), roles
    fields = load_manifest(tmp_path / "cxr").labels.blocks[0].fields  # type: ignore[union-attr]
    box = next(name for name, role in roles.items() if role == "bbox")
    assert fields[box].format == "xyxy"
    rows, problems, _ = extract(tmp_path / "cxr")
    by_id = {r["source_file"].rsplit("/", 1)[1]: r for r in rows}
    assert len(rows) == 6 and [by_id[f"CXR_{n:04d}.dcm"]["image_valid"] for n in range(6)] == [True] * 5 + [False]
    assert by_id["CXR_0000.dcm"][box] == [[2.0, 1.0, 3.0, 3.0]]  # x, y, width, height
    assert by_id["CXR_0001.dcm"][box] == [[2.0, 1.0, 3.0, 4.0]]
    assert all(r[f"{box}__outside"] == 0 for r in rows)  # checked against the 8 x 6 resolution
    (bad,) = problems
    assert bad["code"] == "image" and "CXR_0005.dcm" in bad["message"] and "header says 48" in bad["message"]


def _workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_translation_corpus_rows_of_every_sheet(tmp_path: Path, kdata_home: Path) -> None:
    """AI Hub's parallel corpora ship Excel workbooks (``1_구어체(1).xlsx``: 원문, 번역문 per row). Every
    sheet's rows are read by header, numbers stay numbers; a row with values past its header is a bad line
    (counted, named by sheet and row); a workbook that claims far more than it holds is refused unopened."""
    import zipfile

    header = ["SID", "대분류", "원문", "번역문", "길이"]
    first = [header] + [
        [n, "일상", f"오늘 회의는 {n}시에 시작합니다.", f"Today's meeting starts at {n}.", 17] for n in range(1, 9)
    ]
    second = [header] + [
        [100 + n, "쇼핑", f"이 신발은 {n}만 원입니다.", f"These shoes are {n}0,000 won.", 14] for n in range(4)
    ]
    second.insert(3, [900, "쇼핑", "열이 하나 더 있습니다", "one cell too many", 11, "extra"])
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as workbook:
        workbook.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (50 << 20))
    root = tmp_path / "ko-en"
    zip_files(
        root / LABELS / "TL_구어체.zip",
        {"1_구어체(1).xlsx": _workbook({"Sheet1": first, "Sheet2": second}), "2_bomb.xlsx": bomb.getvalue()},
    )
    write_manifest(root, "ko-en-parallel", "korean", "text")
    assert inspect_write(root) == 0
    roles = _roles(root)
    assert roles.get("source_text") == "text" and roles.get("translation") == "text", roles
    rows, problems, _ = extract(root)
    assert len(rows) == 12 and {r["length"] for r in rows} == {17, 14}  # numbers as numbers
    assert sorted(r["source_text"] for r in rows)[0] == "오늘 회의는 1시에 시작합니다."
    found = sorted((p["code"], p["member"], p["field"]) for p in problems)
    assert found == [("bad_line", "1_구어체(1).xlsx", "line 13"), ("too_large", "2_bomb.xlsx", None)], found
    assert "sheet 'Sheet2' row 4" in next(p["message"] for p in problems if p["code"] == "bad_line")


def test_sources_named_otherwise_join_by_the_suggested_stem_rewrite(tmp_path: Path, kdata_home: Path) -> None:
    """AI Hub's orchard LiDAR labels name their point cloud otherwise (``F0001_CUB.json`` for
    ``F0001_IMG.pcd``): inspect suggests ``source_stem: {pattern: '_CUB$', to: '_IMG'}`` and every frame joins
    its point cloud (none did: "no label points to this source file" for all)."""
    root = tmp_path / "orchard"
    labels: dict[str, bytes] = {}
    clouds: dict[str, bytes] = {}
    for n in range(5):
        cuboid = {"label_id": 1, "position": {"x": 1.5 + n, "y": 0.5, "z": 0.2}, "dimension": [1.0, 2.0, 1.5]}
        label = {"frame": f"F{n:04d}", "items": [{"id": f"F{n:04d}-1", "type": "cuboid_3d", **cuboid}]}
        labels[f"과수원/F{n:04d}_CUB.json"] = json.dumps(label, ensure_ascii=False).encode()
        clouds[f"과수원/F{n:04d}_IMG.pcd"] = b"# .PCD v0.7\nFIELDS x y z\nDATA binary\n" + bytes(range(n, 200 + n))
    block = _first_block(
        root, {"TL_과수원.zip": labels, "TS_과수원.zip": clouds}, "orchard-lidar", "agriculture", "sensor"
    )
    assert block.source_stem is not None
    assert (block.source_stem.pattern, block.source_stem.to) == ("_CUB$", "_IMG")
    rows, problems, _ = extract(root)
    assert [p for p in problems if p["code"] == "missing_source"] == [] and len(rows) == 5
    assert sorted(r["source_file"].rsplit("/", 1)[1] for r in rows) == [f"F{n:04d}_IMG.pcd" for n in range(5)]


def test_two_tags_naming_one_source_get_one_stem_rewrite(tmp_path: Path, kdata_home: Path) -> None:
    """IP-law LLM data (지식재산권법 LLM): ``<doc>_QA.json`` and ``<doc>_SUM.json`` both label the source document
    ``<doc>.json``; one tag alone pairs half the files, so no rewrite was suggested and every label was refused
    as missing its source. ``source_stem: {pattern: '_(QA|SUM)$', to: ''}`` joins both."""
    root = tmp_path / "iplaw"
    labels: dict[str, bytes] = {}
    documents: dict[str, bytes] = {}
    for n in range(3):
        doc = f"HS{n:05d}"
        info = {"doc_id": doc, "casetype": "특허"}
        for task in ("QA", "SUM"):
            label = {"info": info, "taskinfo": {"instruction": f"{task} 지시", "output": f"{task} 답"}}
            labels[f"{task}/{doc}_{task}.json"] = json.dumps(label, ensure_ascii=False).encode()
        documents[f"판결문/{doc}.json"] = json.dumps({"doc_id": doc, "sentences": ["판결 이유"]}).encode()
    block = _first_block(
        root, {"TL_01.질의응답.zip": labels, "TS_01.판결문.zip": documents}, "ip-law-llm", "ip", "text"
    )
    assert block.source_stem is not None
    assert (block.source_stem.pattern, block.source_stem.to) == ("_(QA|SUM)$", "")
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 6
    assert {r["label_member"].rsplit("/", 1)[1]: r["source_file"].rsplit("/", 1)[1] for r in rows}[
        "HS00002_SUM.json"
    ] == ("HS00002.json")


def test_a_label_naming_a_sensor_recording_joins_it(tmp_path: Path, kdata_home: Path) -> None:
    """A manufacturing label CSV names each run's recording (``파일명: RUN_0001.csv``, in the source archive):
    inspect suggests the source role (only media suffixes counted before: every row was missing its source,
    a critical failure) and each row joins its recording."""
    root = tmp_path / "boiler"
    rows_text = ["파일명,설비,판정"] + [f"RUN_{n:04d}.csv,보일러-1,{'정상' if n % 3 else '이상'}" for n in range(6)]
    zip_files(root / LABELS / "TL_5.보일러.zip", {"보일러/runs.csv": "\n".join(rows_text).encode()})
    recordings = {f"보일러/RUN_{n:04d}.csv": f"t,temp\n0,{60 + n}\n1,{61 + n}\n".encode() for n in range(6)}
    zip_files(root / SOURCES / "TS_5.보일러.zip", recordings)
    write_manifest(root, "boiler-runs", "manufacturing", "sensor")
    assert inspect_write(root) == 0
    assert _roles(root).get("file_name") == "source", _roles(root)
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 6
    assert sorted(r["source_file"] for r in rows) == [
        f"{SOURCES}/TS_5.보일러.zip!보일러/RUN_{n:04d}.csv" for n in range(6)
    ]


def test_cctv_xml_clock_times_are_seconds_and_the_event_is_a_class(tmp_path: Path, kdata_home: Path) -> None:
    """AI Hub's abnormal-behaviour CCTV labels (one XML per video): ``<event><eventname>``, ``<starttime>`` and
    ``<duration>`` written as clocks (``00:02:08.9``). The event name is a class, the clocks are seconds
    (they were suggested as text timestamps)."""
    root = tmp_path / "cctv"
    labels: dict[str, bytes] = {}
    videos: dict[str, bytes] = {}
    for n, (event, start, length) in enumerate(
        [
            ("fight", "00:02:08.9", "00:00:45.0"),
            ("assault", "01:00:01.5", "00:01:05.2"),
            ("fight", "00:00:59.0", "00:00:20.0"),
        ]
    ):
        stem = f"C{n:03d}_A"
        xml = (
            f"<annotation><filename>{stem}.mp4</filename><header><fps>30</fps></header>"
            f"<event><eventname>{event}</eventname><starttime>{start}</starttime><duration>{length}</duration></event>"
            "</annotation>"
        )
        labels[f"02.싸움/{stem}.xml"] = xml.encode()
        videos[f"02.싸움/{stem}.mp4"] = b"\x00\x00\x00\x18ftypmp42" + bytes(range(n, 240 + n))
    zip_files(root / LABELS / "TL_02.싸움.zip", labels)
    zip_files(root / SOURCES / "TS_02.싸움.zip", videos)
    write_manifest(root, "cctv-behaviour", "disaster_safety", "video")
    assert inspect_write(root) == 0
    roles = _roles(root)
    assert roles.get("eventname") == "class" and roles.get("starttime") == "start", roles
    assert roles.get("duration") == "duration", roles
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 3
    by_event = {r["source_file"].rsplit("/", 1)[1]: r for r in rows}
    assert by_event["C000_A.mp4"]["starttime"] == 128.9 and by_event["C001_A.mp4"]["starttime"] == 3601.5
    assert by_event["C001_A.mp4"]["duration"] == 65.2


def test_summaries_are_rows_per_document_not_per_sentence(tmp_path: Path, kdata_home: Path) -> None:
    """AI Hub's document-summarisation labels, one JSON per split: ``documents[{id, category, text: [[{index,
    sentence, highlight_indices}]], extractive, abstractive}]``. A row per document (it carries the id and
    the summaries); its sentences are its parts (a row per sentence repeated the document on each)."""
    root = tmp_path / "docsum"
    documents = []
    for d in range(4):
        paragraphs = [
            [{"index": 3 * p + s, "sentence": f"문서 {d}의 {p}번째 문단 {s}번째 문장입니다.", "highlight_indices": ""}
             for s in range(3)]
            for p in range(2)
        ]  # fmt: skip
        documents.append({
            "id": f"DOC{d:05d}", "category": "종합", "media_name": "한국일보", "text": paragraphs,
            "extractive": [0, 2, 4], "abstractive": [f"문서 {d}은 여섯 문장으로 이루어져 있다."],
        })  # fmt: skip
    label = {"name": "신문기사", "delivery_date": "2020-12-23", "documents": documents}
    zip_files(
        root / LABELS / "TL_신문기사.zip", {"train_original.json": json.dumps(label, ensure_ascii=False).encode()}
    )
    write_manifest(root, "doc-summaries", "korean", "text")
    assert inspect_write(root) == 0
    block = load_manifest(root).labels.blocks[0]  # type: ignore[union-attr]
    assert block.records == "$.documents[*]"
    rows, problems, _ = extract(root)
    assert problems == [] and sorted(r["id"] for r in rows) == [f"DOC{d:05d}" for d in range(4)]


@pytest.mark.parametrize("columnar", [True, False], ids=["arrow", "per-record"])
def test_lists_collected_by_a_wildcard_stay_aligned_with_their_siblings(
    tmp_path: Path, kdata_home: Path, columnar: bool
) -> None:
    """Jeju dialect speech: ``utterance[{form, start, end, dialect_form?}]``, ``dialect_form`` only where the
    speaker spoke dialect. Each list holds one value per utterance, a null where an item lacks the key (the
    missing ones were dropped: the dialect forms slid onto the wrong utterances, silently)."""
    root = tmp_path / "jeju"
    utterances = [
        {"form": "안녕하세요", "start": 0.0, "end": 1.2},
        {"form": "좋습니다", "start": 1.5, "end": 2.0, "dialect_form": "좋수다"},
        {"form": "밥 먹었어요", "start": 2.5, "end": 3.1},
        {"form": "먹었습니까", "start": 3.5, "end": 4.0, "dialect_form": "먹엇수과"},
    ]
    if not columnar:  # a value of another type sends the file to the per-record path
        utterances[0]["start"] = "0.0"
    label = {"id": "JJ0001", "utterance": utterances}
    zip_files(root / LABELS / "TL_1.zip", {"JJ0001.json": json.dumps(label, ensure_ascii=False).encode()})
    fields = {
        "id": {"path": "id", "role": "id"},
        "form": {"path": "utterance[*].form", "role": "text"},
        "start": {"path": "utterance[*].start", "role": "start"},
        "dialect_form": {"path": "utterance[*].dialect_form"},
    }
    write_manifest(root, "jeju-dialect", "korean", "text", labels=[{"files": ["**/*.json"], "fields": fields}])
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 1
    (row,) = rows
    assert row["form"] == ["안녕하세요", "좋습니다", "밥 먹었어요", "먹었습니까"]
    assert row["start"] == [0.0, 1.5, 2.5, 3.5]
    assert row["dialect_form"] == [None, "좋수다", None, "먹엇수과"]


def test_openpose_keypoints_are_keypoints_not_a_polygon(tmp_path: Path, kdata_home: Path) -> None:
    """Sign-language frames (OpenPose: ``people.hand_left_keypoints_2d: [x, y, confidence, ...]``): keypoints
    ("keypoints" holds "points": they were suggested as a polygon), and their decimals are no phone numbers
    (``[1014.538,0.32141,1794.2]`` read as 032-141-1794 was masked inside label_json, breaking its JSON)."""
    labels: dict[str, bytes] = {}
    images: dict[str, bytes] = {}
    for n in range(3):
        points = [1014.538 + n, 0.32141, 1794.2, 0.0212345678, 512.0, 0.9]
        label = {"version": 1.3, "people": {"person_id": [-1], "hand_left_keypoints_2d": points}}
        labels[f"NIA_SL_{n:04d}_keypoints.json"] = json.dumps(label).encode()
        images[f"NIA_SL_{n:04d}_keypoints.png"] = tiny_png(8, 6)
    roles = _inspected(tmp_path / "sign", {"TL_수어.zip": labels, "TS_수어.zip": images}, "sign-frames", "korean")
    assert "keypoints" in roles.values() and "polygon" not in roles.values(), roles
    rows, problems, _ = extract(tmp_path / "sign")
    assert problems == [] and len(rows) == 3
    assert all(r["pii_hits"] == 0 and json.loads(r["label_json"])["people"] for r in rows)


def test_a_wav_whose_header_claims_more_than_it_holds_is_not_valid_audio(tmp_path: Path, kdata_home: Path) -> None:
    """A WAV whose header claims ten hours and holds a fraction of a second was published with a passed
    verdict: mapped audio is checked now (``audio_valid``, the ``audio_readable`` check)."""
    root = tmp_path / "speech"
    labels, audio = {}, {}
    for n in range(3):
        labels[f"S{n}.json"] = json.dumps({"id": f"S{n}", "text": "안녕하세요 반갑습니다"}, ensure_ascii=False).encode()
        audio[f"S{n}.wav"] = tiny_wav(800, claim_frames=16_000 * 36_000 if n == 1 else None, seed=n)
    zip_files(root / LABELS / "TL_1.zip", labels)
    zip_files(root / SOURCES / "TS_1.zip", audio)
    write_manifest(root, "cut-speech", "korean", "audio")
    assert inspect_write(root) == 0
    rows, problems, _ = extract(root)
    assert {r["id"]: r["audio_valid"] for r in rows} == {"S0": True, "S1": False, "S2": True}
    (bad,) = problems
    assert bad["code"] == "audio" and "S1.wav" in bad["message"] and "says 36,000.0 s" in bad["message"]


def test_inspect_refuses_an_archive_ingest_would_refuse(tmp_path: Path, kdata_home: Path) -> None:
    """A member named ``../../evil.json``: ingest refuses the archive (exit 2); inspect wrote a manifest for it
    and exited 0. It refuses it the same way now, naming archive and member, and writes nothing."""
    root = tmp_path / "hostile"
    label = json.dumps({"id": "1", "text": "안녕하세요 반갑습니다"}, ensure_ascii=False).encode()
    zip_files(root / LABELS / "TL_1.zip", {"a/ok.json": label, "../../evil.json": label})
    write_manifest(root, "hostile-names", "korean", "text")
    before = (root / "dataset.yaml").read_text(encoding="utf-8")
    quiet = io.StringIO()
    code = run_inspect(root, write_manifest=True, as_json=False, out=Console(file=quiet), err=Console(file=quiet))
    assert code == 2 and "TL_1.zip" in quiet.getvalue() and "evil.json" in quiet.getvalue(), quiet.getvalue()
    assert (root / "dataset.yaml").read_text(encoding="utf-8") == before


@pytest.mark.parametrize("columnar", [True, False], ids=["arrow", "per-record"])
def test_per_frame_labels_join_their_folders_video(tmp_path: Path, kdata_home: Path, columnar: bool) -> None:
    """Sign-language data: a keypoint file per frame in a folder per video (``NIA_SL_0001/NIA_SL_0001_000012_
    keypoints.json``) and the video beside the folders (``NIA_SL_0001.mp4``): ``{path: "@dir", role: source}``
    joins each frame to its video (no path named the folder: every frame was refused as missing its source)."""
    root = tmp_path / "sign"
    labels: dict[str, bytes] = {}
    for video in range(2):
        for frame in range(3):
            name = f"NIA_SL_{video:04d}"
            label = {"version": 1.3, "people": {"face_keypoints_2d": [10.5 + frame, 20.0, 0.9]}}
            if not columnar:  # a value of another type sends the file to the per-record path
                label["version"] = "1.3"
            labels[f"{name}/{name}_{frame:06d}_keypoints.json"] = json.dumps(label).encode()
    videos = {f"NIA_SL_{v:04d}.mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(range(v, 200 + v)) for v in range(2)}
    zip_files(root / LABELS / "TL_수어.zip", labels)
    zip_files(root / SOURCES / "TS_수어.zip", videos)
    fields = {
        "video": {"path": "@dir", "role": "source"},
        "frame": {"path": "@stem", "role": "id"},
        "face": {"path": "people.face_keypoints_2d", "role": "keypoints"},
    }
    write_manifest(root, "sign-frames", "korean", "video", labels=[{"files": ["**/*.json"], "fields": fields}])
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 6
    assert {r["frame"]: r["source_file"].rsplit("!", 1)[1] for r in rows}["NIA_SL_0001_000002_keypoints"] == (
        "NIA_SL_0001.mp4"
    )
    assert {r["video"] for r in rows} == {"NIA_SL_0000", "NIA_SL_0001"}


def test_two_kinds_of_label_file_in_one_archive_get_a_block_each(tmp_path: Path, kdata_home: Path) -> None:
    """AI Hub sign language (수어 영상) ships, in one label archive, a keypoint file per frame in a folder per
    video (``X/X_000000000001_keypoints.json``: ``{version, people{…}}``) and a morpheme file per video
    (``X_morpheme.json``: ``{metaData{name, duration}, data[{start, end, attributes[{name}]}]}``). One
    ``**/*.json`` block merged both shapes (neither kind's rows came out right): inspect now suggests a block
    per kind, told apart by the file name's last word, the frames joined to their video by the folder
    (``@dir``), the morphemes by the stem without ``_morpheme``; every row has an id."""
    videos = [f"NIA_SL_WORD{w:04d}_REAL01_F" for w in range(1, 4)]
    labels: dict[str, bytes] = {}
    for video in videos:
        for frame in range(4):
            keypoints = {
                "version": 1.3,
                "people": {"person_id": [-1], "pose_keypoints_2d": [100.0 + frame, 200.5, 0.9]},
            }
            labels[f"01_real_word_keypoint/{video}/{video}_{frame:012d}_keypoints.json"] = json.dumps(
                keypoints
            ).encode()
        morpheme = {
            "metaData": {"url": "", "name": f"{video}.mp4", "duration": 3.5, "exportedOn": "2020/12/10"},
            "data": [{"start": 1.2, "end": 3.1, "attributes": [{"name": "왼쪽"}]}],
        }
        labels[f"01_real_word_morpheme/morpheme/01/{video}_morpheme.json"] = json.dumps(morpheme).encode()
    root = tmp_path / "sign"
    zip_files(root / LABELS / "TL_01_real_word.zip", labels)
    zip_files(
        root / SOURCES / "TS_01_real_word.zip", {f"{v}.mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(200) for v in videos}
    )
    write_manifest(root, "sign-language", "korean", "video")
    assert inspect_write(root) == 0
    blocks = yaml.safe_load((root / "dataset.yaml").read_text(encoding="utf-8"))["labels"]
    assert [b["files"] for b in blocks] == [["**/*_morpheme.json"], ["**/*.json"]]
    assert {"path": "@dir", "role": "source"} in blocks[1]["fields"].values()
    rows, problems, _ = extract(root)
    assert problems == []
    frames = [r for r in rows if r["label_member"].endswith("_keypoints.json")]
    morphemes = [r for r in rows if r["label_member"].endswith("_morpheme.json")]
    assert len(frames) == 12 and len(morphemes) == 3
    assert all(r["source_file"] and r["source_file"].endswith(".mp4") for r in rows)
    first = next(r for r in frames if r["label_member"].endswith(f"{videos[0]}_000000000002_keypoints.json"))
    assert first["source_file"].endswith(f"{videos[0]}.mp4")
    columns = {spec["path"]: name for block in blocks for name, spec in block["fields"].items()}
    assert first[columns["people.pose_keypoints_2d"]] == [102.0, 200.5, 0.9]
    assert all(r[columns["people.pose_keypoints_2d"]] is None for r in morphemes)
    id_column = (
        next(name for b in blocks for name, spec in b["fields"].items() if spec.get("role") == "id")
        if any(spec.get("role") == "id" for b in blocks for spec in b["fields"].values())
        else "row_key"
    )
    assert len({r[id_column] for r in rows}) == 15 and None not in {r[id_column] for r in rows}


@pytest.mark.parametrize("columnar", [True, False], ids=["arrow", "per-record"])
def test_a_block_without_the_id_field_names_its_rows_by_place(tmp_path: Path, kdata_home: Path, columnar: bool) -> None:
    """Two blocks, an id in one only: the other block's rows were published with no id at all (and failed the
    id check); they are named by their place (``archive!member/0``), as a mapping without ids names them."""
    root = tmp_path / "two"
    morpheme = {"name": "X.mp4", "data": [{"start": 1.0 if columnar else "1.0"}]}
    files = {
        "a/X_meta.json": json.dumps({"clip_id": "C1", "fps": 30}).encode(),
        "a/X_morpheme.json": json.dumps(morpheme).encode(),
    }
    zip_files(root / LABELS / "TL_1.zip", files)
    meta = {"clip": {"path": "clip_id", "role": "id"}, "fps": {"path": "fps", "type": "int"}}
    blocks = [
        {"files": ["**/*_meta.json"], "fields": meta},
        {
            "files": ["**/*_morpheme.json"],
            "records": "data[*]",
            "fields": {"start": {"path": "start", "type": "string"}},
        },
    ]
    write_manifest(root, "two-blocks", "korean", "text", labels=blocks)
    rows, problems, _ = extract(root)
    assert problems == []
    assert {r["label_member"]: r["clip"] for r in rows} == {
        "a/X_meta.json": "C1",
        "a/X_morpheme.json": "01.데이터/1.Training/라벨링데이터/TL_1.zip!a/X_morpheme.json/0",
    }


def test_a_list_on_the_records_own_path_is_never_pinned_to_its_first_item(tmp_path: Path, kdata_home: Path) -> None:
    """Table QA (표 정보 질의응답: ``data[{doc_id, paragraphs[{context, qas[…]}]}]``) sampled with one paragraph per
    document: inspect pinned ``paragraphs[0].context``, so a later delivery's second paragraph's questions
    were published with the first paragraph's table. The record's own lists stay ``[*]`` (its own item)."""

    def document(doc: str, paragraphs: int) -> bytes:
        items = [{"context": f"<table>{doc}-{p}</table>", "context_id": f"{doc}-C{p}",
                  "qas": [{"question_id": f"{doc}-C{p}-Q{q}", "question": f"질문 {q}", "answer": {"text": f"{p}{q}"}}
                          for q in range(2)]} for p in range(paragraphs)]  # fmt: skip
        return json.dumps({"data": [{"doc_id": doc, "doc_title": "예산", "paragraphs": items}]}).encode()

    root = tmp_path / "tableqa"
    zip_files(root / LABELS / "TL_표.zip", {f"표/{d}.json": document(d, 1) for d in ("D1", "D2", "D3")})
    write_manifest(root, "table-qa", "korean", "text")
    assert inspect_write(root) == 0
    (block,) = yaml.safe_load((root / "dataset.yaml").read_text(encoding="utf-8"))["labels"]
    assert "[0]" not in " ".join(spec["path"] for spec in block["fields"].values())
    zip_files(root / LABELS / "TL_표.zip", {"표/D9.json": document("D9", 2)})  # the next delivery
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 4
    by_path = {spec["path"]: name for name, spec in block["fields"].items()}
    context = next(name for path, name in by_path.items() if path.endswith(".context"))
    question = next(name for path, name in by_path.items() if path.endswith("question_id"))
    assert {r[question]: r[context] for r in rows}["D9-C1-Q0"] == "<table>D9-1</table>"


def test_boxes_and_polygons_of_mixed_annotations_stay_aligned_with_their_classes(
    tmp_path: Path, kdata_home: Path
) -> None:
    """Fire CCTV (화재 발생 예측 영상): ``annotations[{class, box: [x1,y1,x2,y2]} | {class, polygon: [[x,y],…]}]``.
    The suggested ``annotations[*].class`` / ``.box`` / ``.polygon`` columns dropped the items without a box
    (or polygon), so ``class[i]`` was published beside another object's box; a null now holds each place."""
    root = tmp_path / "fire"
    annotations = [
        {"class": "02", "polygon": [[1, 1], [5, 1], [5, 4]]},
        {"class": "01", "box": [10, 10, 30, 20]},
        {"class": "01", "polygon": [[2, 2], [6, 2], [6, 5]]},
    ]
    label = {"image": {"filename": "S3-N0813.jpg", "resolution": [64, 48]}, "annotations": annotations}
    zip_files(root / LABELS / "TL_화재씬.zip", {"화재씬/S3-N0813.json": json.dumps(label).encode()})
    zip_files(root / SOURCES / "TS_화재씬.zip", {"화재씬/S3-N0813.jpg": tiny_png(64, 48)})
    fields = {
        "filename": {"path": "image.filename", "role": "source"},
        "width": {"path": "image.resolution[0]", "role": "image_width"},
        "height": {"path": "image.resolution[1]", "role": "image_height"},
        "class": {"path": "annotations[*].class", "role": "class"},
        "box": {"path": "annotations[*].box", "role": "bbox", "format": "xyxy"},
        "polygon": {"path": "annotations[*].polygon", "role": "polygon"},
    }
    write_manifest(root, "fire-cctv", "disaster_safety", "image", labels={"files": ["**/*.json"], "fields": fields})
    (row,), problems, _ = extract(root)
    assert problems == []
    assert row["class"] == ["02", "01", "01"]
    assert row["box"] == [None, [10.0, 10.0, 20.0, 10.0], None]
    assert row["polygon"] == [[[1.0, 1.0, 5.0, 1.0, 5.0, 4.0]], None, [[2.0, 2.0, 6.0, 2.0, 6.0, 5.0]]]
    assert (row["box__invalid"], row["box__outside"], row["polygon__outside"]) == (0, 0, 0)


def test_keypoints_not_labelled_keep_their_place_as_nulls(tmp_path: Path, kdata_home: Path) -> None:
    """Pet behaviour video (반려동물 행동): ``annotation[{frame_number, keypoints{nose: {x, y}, tail: null}}]``.
    Every frame with a joint not labelled was refused (``expected a number, got NoneType``); the joint keeps
    its place as nulls, two of them like every other joint, so joint ``i`` is still at ``2i``."""
    frames = [
        {"frame_number": 0, "keypoints": {"nose": {"x": 10, "y": 20}, "tail": None, "paw": {"x": 5, "y": 6}}},
        {"frame_number": 1, "keypoints": {"nose": None, "tail": {"x": 1.5, "y": None}, "paw": {"x": 7, "y": 8}}},
    ]
    root = tmp_path / "pet"
    zip_files(root / LABELS / "TL_DOG.zip", {"DOG/BODYLOWER/v1.json": json.dumps({"annotation": frames}).encode()})
    fields = {"frame": {"path": "frame_number", "type": "int"}, "points": {"path": "keypoints", "role": "keypoints"}}
    labels = {"files": ["**/*.json"], "records": "annotation[*]", "fields": fields}
    write_manifest(root, "pet-behaviour", "agriculture", "text", labels=labels)
    rows, problems, _ = extract(root)
    assert problems == []
    assert [r["points"] for r in rows] == [[10.0, 20.0, None, None, 5.0, 6.0], [None, None, 1.5, None, 7.0, 8.0]]


def test_ocr_quadrilaterals_written_by_axis_are_polygons(tmp_path: Path, kdata_home: Path) -> None:
    """OCR data (공공) ``Bbox[{data, id, type, x: [x1..x4], y: [y1..y4]}]``: the parallel coordinate lists had
    no form (a box refused as "expected a box, got str"; as JSON no geometry check ran). Inspect suggests
    ``{path: Bbox[*], role: polygon}`` beside the word's own fields, and each word is one polygon."""
    words = [
        {"data": "수신", "id": 1, "type": 1, "x": [100, 220, 220, 100], "y": [150, 150, 188, 188]},
        {"data": "김해시", "id": 2, "type": 1, "x": [300, 371, 371, 300], "y": [150, 150, 185, 185]},
    ]
    labels, images = {}, {}
    for n in range(3):
        stem = f"IMG_OCR_6_P_{n:05d}"
        label = {"Dataset": {"identifier": stem, "src_path": f"{stem}.jpg"}, "Images": {"width": 640, "height": 480},
                 "Bbox": words[: n % 2 + 1]}  # fmt: skip
        labels[f"김해시/{stem}.json"] = json.dumps(label, ensure_ascii=False).encode()
        images[f"김해시/{stem}.jpg"] = tiny_png(640, 480)
    roles = _inspected(tmp_path / "ocr", {"TL_김해시.zip": labels, "TS_김해시.zip": images}, "ocr-public", "vision")
    polygon = next(name for name, role in roles.items() if role == "polygon")
    fields = load_manifest(tmp_path / "ocr").labels.blocks[0].fields  # type: ignore[union-attr]
    assert fields[polygon].path == "Bbox[*]" and "Bbox[*].data" in {spec.path for spec in fields.values()}
    rows, problems, _ = extract(tmp_path / "ocr")
    assert problems == [] and len(rows) == 3
    two = next(r for r in rows if r["source_file"].endswith("00001.jpg"))
    assert two[polygon] == [[[100.0, 150.0, 220.0, 150.0, 220.0, 188.0, 100.0, 188.0]],
                            [[300.0, 150.0, 371.0, 150.0, 371.0, 185.0, 300.0, 185.0]]]  # fmt: skip
    assert two[f"{polygon}__outside"] == 0


def test_integer_class_codes_and_an_imsize_pair_get_their_roles() -> None:
    """Crop disease codes (``annotations.disease: 0..6``) are classes (read as text, so ``classes: ["1"]``
    declares them); traffic lights' ``image.imsize: [w, h]`` gives the image size roles."""
    from kdata.inspect_labels import suggest_block

    docs = [
        {"image": {"filename": f"{n}.jpg", "imsize": [1920, 1080]}, "annotations": {"disease": n % 4, "area": n * 7}}
        for n in range(12)
    ]
    block, _tree = suggest_block(docs, "json", "**/*.json", per_source=True)
    roles = {spec["path"]: (spec.get("role"), spec.get("type")) for spec in block["fields"].values()}
    assert roles["annotations.disease"] == ("class", None)
    assert roles["annotations.area"] == (None, "int")
    assert roles["image.imsize[0]"][0] == "image_width" and roles["image.imsize[1]"][0] == "image_height"


def test_a_corpus_shipped_as_source_data_is_read_as_labels_beside_the_qa(tmp_path: Path, kdata_home: Path) -> None:
    """Essential medical knowledge (필수의료 의학지식): QA labels ``{qa_id, question, answer}`` and, as 원천데이터,
    the corpus they were written from ``{c_id, content}``; no label names a corpus file, so the suggested
    mapping was refused as missing every source. Inspect now reads the corpus archives as labels too
    (``layout.rules``), each kind in a block kept to its archives (``archives:``), one id column."""
    root = tmp_path / "medqa"

    def doc(value: dict[str, object]) -> bytes:
        return json.dumps(value, ensure_ascii=False).encode()

    qa = {
        f"내과/QA_{n:04d}.json": doc(
            {"qa_id": n, "q_type": 1, "question": f"질문 {n}번은?", "answer": f"답변 {n}번 입니다."}
        )
        for n in range(4)
    }
    corpus = {
        f"내과/C_{n:04d}.json": doc({"c_id": f"C{n}", "source": 2, "content": f"의학 지식 본문 {n} 입니다."})
        for n in range(3)
    }
    zip_files(root / LABELS / "TL_내과.zip", qa)
    zip_files(root / SOURCES / "TS_국문_내과.zip", corpus)
    write_manifest(root, "medical-qa", "healthcare", "text")
    assert inspect_write(root) == 0
    manifest = load_manifest(root)
    blocks = manifest.labels.blocks  # type: ignore[union-attr]
    assert [r.kind for r in manifest.layout.rules] == ["label"]
    assert [b.archives for b in blocks] == [[f"{LABELS}/TL_내과.zip"], [f"{SOURCES}/TS_국문_내과.zip"]]
    assert {name for b in blocks for name, spec in b.fields.items() if spec.role == "id"} == {"record_id"}
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 7
    assert sorted(r["record_id"] for r in rows) == ["0", "1", "2", "3", "C0", "C1", "C2"]
    assert {r["record_id"]: r.get("content") for r in rows}["C1"] == "의학 지식 본문 1 입니다."


def test_inspect_says_when_no_label_pairs_with_a_source(tmp_path: Path, kdata_home: Path) -> None:
    """Pet video labels per video (``DOG_0001.json``) beside frames in folders (``DOG_0001/frame_0.jpg``): nothing
    names a frame, so ingest would refuse every label as missing its source; inspect says so (it was silent)."""
    from kdata.inspect_labels import inspect_folder

    root = tmp_path / "pet"
    labels = {f"DOG_{n:04d}.json": json.dumps({"annotation": [{"frame_number": 0}]}).encode() for n in range(3)}
    frames = {f"DOG_{n:04d}/frame_{f}_timestamp_{f * 33}.jpg": tiny_png() for n in range(3) for f in range(2)}
    zip_files(root / LABELS / "TL_DOG.zip", labels)
    zip_files(root / SOURCES / "TS_DOG.zip", frames)
    found = inspect_folder(root, data_type="video")
    assert found.layout_rules == []
    assert any("no label file pairs with a source file" in note for note in found.notes)


def test_labels_shipped_as_a_loose_csv_are_named_in_the_refusal(tmp_path: Path, kdata_home: Path) -> None:
    """Emotion speech (감정 분류를 위한 대화 음성): ``4차년도.csv`` (the labels) beside ``4차년도.zip`` (WAVs only).
    Only zip archives are read; the refusal said "no label file could be read" and nothing about the CSV:
    it now names it and says how to ship it."""
    root = tmp_path / "emotion"
    zip_files(root / "4차년도.zip", {f"{n}.wav": tiny_wav() for n in range(2)})
    (root / "4차년도.csv").write_text("wav_id,발화문,상황\n0,안녕하세요,happiness\n", encoding="utf-8")
    write_manifest(root, "emotion-speech", "korean", "audio")
    quiet = Console(file=io.StringIO())
    err = Console(file=io.StringIO(), width=400)
    assert run_inspect(root, write_manifest=True, as_json=False, out=quiet, err=err) == 2
    message = err.file.getvalue()  # type: ignore[attr-defined]
    assert "4차년도.csv" in message and "[라벨]4차년도.zip" in message


def test_named_joints_are_suggested_as_keypoints() -> None:
    """Fitness pose and pet video labels name each joint (``pts: {"Nose": {x, y}, "Left Eye": {x, y}, ...}``,
    ``keypoints: {nose: {x, y}, tail: null}``): one keypoints column, not an integer column per coordinate
    (named ``x``, ``nose_x``, ``pts_nose_x`` for three views' noses)."""
    from kdata.inspect_labels import suggest_block

    joints = ["Nose", "Left Eye", "Right Eye", "Left Shoulder"]
    docs = [
        {"pts": {j: ({"x": n + k, "y": 2 * k} if (n + k) % 5 else None) for k, j in enumerate(joints)}, "id": f"F{n}"}
        for n in range(8)
    ]
    block, _tree = suggest_block(docs, "json", "**/*.json", per_source=True)
    roles = {spec["path"]: spec.get("role") for spec in block["fields"].values()}
    assert roles["pts"] == "keypoints" and not any(path.startswith("pts.") for path in roles)


def test_a_missing_named_joint_keeps_every_other_joint_in_place(tmp_path: Path, kdata_home: Path) -> None:
    """Shape trial 11 (피트니스 자세, ``frames[*].view1.pts: {"Nose": {x, y}, ...}``): a frame that lacked
    "Left Eye" moved Right Eye's coordinates to index 2, and every frame after it, collected by ``[*]``, into
    one flat list, started at the wrong offset; verdict passed. Inspect writes the joints' order (``keys:``);
    a missing joint is nulls in its place, each frame its own list, a joint not in ``keys`` a named problem."""
    from kdata.inspect_labels import suggest_block

    joints = ["Nose", "Left Eye", "Right Eye", "Left Shoulder"]

    def frame(f: int, skip: str = "") -> dict[str, object]:
        pts = {j: {"x": 10.0 * f + k, "y": 100.0 + k} for k, j in enumerate(joints) if j != skip}
        return {"view1": {"img_key": f"F{f}.jpg", "pts": pts}}

    docs = [{"id": "A", "frames": [frame(0, skip="Left Eye"), frame(1)]}, {"id": "B", "frames": [frame(2), frame(3)]}]
    block, _tree = suggest_block(docs, "json", "**/*.json", per_source=False)
    pts = next(spec for spec in block["fields"].values() if spec.get("role") == "keypoints")
    assert set(pts["keys"]) == set(joints)  # the order inspect saw first; every row keeps it
    root = tmp_path / "fitness"
    odd = {"id": "C", "frames": [{"view1": {"pts": {**frame(4)["view1"]["pts"], "Tail": {"x": 1, "y": 2}}}}]}
    labels = {f"{d['id']}.json": json.dumps(d).encode() for d in [*docs, odd]}
    zip_files(root / LABELS / "TL_1.zip", labels)
    fields = {
        "id": {"path": "id", "role": "id"},
        "pts": {"path": "frames[*].view1.pts", "role": "keypoints", "keys": joints},
    }
    write_manifest(root, "fitness-pose", "healthcare", "image", labels={"fields": fields})
    rows, problems, _ = extract(root)
    by_id = {r["id"]: r["pts"] for r in rows}
    assert by_id["A"] == [
        [0.0, 100.0, None, None, 2.0, 102.0, 3.0, 103.0],
        [10.0, 100.0, 11.0, 101.0, 12.0, 102.0, 13.0, 103.0],
    ]
    assert by_id["B"][1] == [30.0, 100.0, 31.0, 101.0, 32.0, 102.0, 33.0, 103.0]
    assert "C" not in by_id and any("Tail" in str(p) and "keys" in str(p) for p in problems), problems

    from ingest.mapping.values import _keypoints  # attack trial 11: coordinates by name, one width per row

    three = ["Nose", "LEye", "REye"]
    assert _keypoints({"Nose": {"y": 2, "x": 1}, "REye": {"x": 5, "y": 6}}, "kp", three) == [1, 2, None, None, 5, 6]
    mixed = {"Nose": {"x": 1, "y": 2}, "LEye": {"x": 3, "y": 4, "v": 1}, "REye": {"x": 5, "y": 6}}
    assert _keypoints(mixed, "kp", three) == [1, 2, None, 3, 4, 1, 5, 6, None]
    assert _keypoints({"Nose": [1, 2], "LEye": None, "REye": [5, 6, 1]}, "kp", three) == [1, 2, None] + [None] * 3 + [
        5,
        6,
        1,
    ]
    assert _keypoints({}, "kp", three) == [None] * 6  # no joint labelled: still three points of x and y


def test_an_exclusive_text_column_empty_in_most_turns_gets_no_text_role() -> None:
    """A call centre's turns (민원 콜센터 질의응답) fill one of 고객질문(요청) / 상담사질문(요청) / 고객답변 /
    상담사답변 per turn; the text role on 상담사답변 failed its not-empty check on two thirds of good turns.
    A column filled in most records keeps the role."""
    from kdata.inspect_labels import suggest_block

    columns = ["고객질문(요청)", "상담사질문(요청)", "고객답변", "상담사답변"]

    def turn(n: int) -> dict[str, str | None]:
        exclusive = {c: (f"{c} 내용 {n}번 입니다" if n % 4 == k else None) for k, c in enumerate(columns)}
        return {"대화셋일련번호": f"D{n // 4}", "문장번호": str(n), "문장": f"안녕하세요 {n}번 문장입니다", **exclusive}

    block, _tree = suggest_block([[turn(n) for n in range(24)]], "json", "**/*.json", per_source=False)
    roles = {spec["path"]: spec.get("role") for spec in block["fields"].values()}
    assert [role for path, role in roles.items() if any(c in path for c in columns)] == [None] * 4, roles
    assert roles["문장"] == "text"


def test_when_a_recording_was_made_is_not_a_segment_time() -> None:
    """Patterned speech with numbers (숫자가 포함된 패턴 발화): ``audio.recordedStart: "14:00:33"`` is when the
    recording was made; it got ``role: start`` and was published as 50433.0 seconds. ``recordedTime`` (the
    clip's length in seconds) is the duration."""
    from kdata.inspect_labels import suggest_block

    docs = [{"audio": {"recordedStart": f"14:0{n}:33", "recordedTime": 3.5 + n, "recordedDate": "2021-10-01"}}
            for n in range(6)]  # fmt: skip
    block, _tree = suggest_block(docs, "json", "**/*.json", per_source=True)
    roles = {spec["path"]: (spec.get("role"), spec.get("type")) for spec in block["fields"].values()}
    assert roles["audio.recordedStart"] == (None, None)
    assert roles["audio.recordedTime"][0] == "duration"


@pytest.mark.parametrize("columnar", [True, False], ids=["arrow", "per-record"])
def test_typed_lists_keep_their_nulls(tmp_path: Path, kdata_home: Path, columnar: bool) -> None:
    """Law judgement summaries (문서요약 텍스트): ``extractive: [0, null, 3]`` typed ``list[int]`` (inspect's own
    suggestion) was published as ``[0, 3]``, shifting the indices, verdict passed; a typed ``[*]`` list lost
    its nulls too, sliding out of line with the untyped one beside it."""
    documents = [
        {"id": "100000", "extractive": [0, None, 3], "sentences": [{"speaker": None}, {"speaker": "B", "i": 0.5}]},
        {"id": "100001", "extractive": [1, 2, 4], "sentences": [{"speaker": "A", "i": None}]},
    ]
    if not columnar:
        documents[1]["id"] = 100001  # a type that changes between records: the per-record path
    root = tmp_path / "law"
    zip_files(root / LABELS / "TL_법률.zip", {"법률.json": json.dumps({"documents": documents}).encode()})
    fields = {
        "id": {"path": "id", "role": "id"},
        "extractive": {"path": "extractive", "type": "list[int]"},
        "speaker": {"path": "sentences[*].speaker", "type": "list[string]"},
        "intensity": {"path": "sentences[*].i", "type": "list[float]"},
    }
    write_manifest(root, "law-summary", "law", "text", labels={"records": "documents[*]", "fields": fields})
    rows, problems, _ = extract(root)
    assert problems == []
    assert [r["extractive"] for r in rows] == [[0, None, 3], [1, 2, 4]]
    assert [r["speaker"] for r in rows] == [[None, "B"], ["A"]]
    assert [r["intensity"] for r in rows] == [[None, 0.5], [None]]


def test_a_wav_shorter_than_its_label_says_fails_the_length_check(tmp_path: Path, kdata_home: Path) -> None:
    """Command speech (명령어 음성): ``파일정보.FileLength: "2.200"`` over a WAV cut at 1.3 s, a known AI Hub
    defect; the audio check compared the WAV with its own header only, verdict passed. A label's duration is
    now compared with its audio (within 0.5 s or 5 %): ``audio_length_ok``, a warning item."""
    from quality.suites.mapped import mapped_specs

    root = tmp_path / "commands"
    labels, audio = {}, {}
    for n, (stated, frames) in enumerate([("0.050", 800), ("2.200", 800), ("0.300", 800)]):
        labels[f"C{n}.json"] = json.dumps({"id": f"C{n}", "파일정보": {"FileLength": stated}}).encode()
        audio[f"C{n}.wav"] = tiny_wav(frames, seed=n)  # 800 frames at 16 kHz: 0.05 s
    zip_files(root / LABELS / "TL_1.zip", labels)
    zip_files(root / SOURCES / "TS_1.zip", audio)
    fields = {"id": {"path": "id", "role": "id"}, "length": {"path": "파일정보.FileLength", "role": "duration"}}
    write_manifest(root, "command-speech", "korean", "audio", labels={"fields": fields})
    rows, problems, _ = extract(root)
    assert problems == []
    assert {r["id"]: r["audio_length_ok"] for r in rows} == {"C0": True, "C1": False, "C2": True}
    from schemas.mapped import mapped_schema

    mapping = load_manifest(root).labels
    assert mapping is not None
    schema = mapped_schema(mapping, name="m", domain="korean", data_type="audio")
    specs = mapped_specs(schema.record_schema, mapping, syntactic_target=0.95, has_sources=True)
    assert next(s for s in specs if s.key == "audio_length_matches_label").severity == "warning"


def test_satellite_polygons_written_as_text_and_a_crowds_rle_mask(tmp_path: Path, kdata_home: Path) -> None:
    """Satellite object reading (위성영상 객체판독): ``features[{properties: {object_imcoords: "x1,y1,...",
    building_imcoords: "EMPTY"}}]`` had no polygon form (every record refused, or kept as text) and
    ``type: "FeatureCollection"`` (the same in every file) was suggested as a class. A COCO crowd's RLE mask
    (``{counts, size}``) was read as two polygons; it is no polygon (``label_json`` keeps it)."""
    from ingest.mapping.values import flat_polygons
    from kdata.inspect_labels import suggest_block

    def feature(n: int) -> dict[str, object]:
        coords = ",".join(str(v) for v in (10 + n, 20, 30, 20, 30, 40, 10 + n, 40))
        return {
            "type": "Feature",
            "properties": {"object_imcoords": coords, "building_imcoords": "EMPTY", "type_id": str(n % 3)},
        }

    docs = [{"type": "FeatureCollection", "features": [feature(n), feature(n + 1)]} for n in range(6)]
    block, _tree = suggest_block(docs, "json", "**/*.json", per_source=True)
    roles = {spec["path"]: spec.get("role") for spec in block["fields"].values()}
    assert roles["features[*].properties.object_imcoords"] == "polygon"
    assert roles["type"] is None and roles["features[*].type"] is None  # constants are no classes
    assert roles["features[*].properties.type_id"] == "class"
    assert flat_polygons("10,20, 30,20 30,40", "f") == [[10.0, 20.0, 30.0, 20.0, 30.0, 40.0]]
    assert flat_polygons("EMPTY", "f") == [] and flat_polygons({"counts": [5000, 20], "size": [480, 640]}, "f") == []


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_coco_annotations_find_their_image_and_category_by_id(
    tmp_path: Path, kdata_home: Path, monkeypatch: pytest.MonkeyPatch, streamed: bool
) -> None:
    """Manufacturing defects in COCO, one JSON per archive (``images[]``, ``annotations[]``, ``categories[]``):
    inspect suggested one row per file with unaligned lists, and nothing could join an annotation's
    ``image_id`` to ``images[].file_name``. Fields may now look a value up (``lookup: {items, key, value}``),
    inspect suggests a row per annotation with its image, size and category, and each joins its image."""
    root = tmp_path / "coco"
    for archive, names in (("TL_01.금속", ["m_0.jpg", "m_1.jpg"]), ("TL_02.사출", ["s_0.jpg"])):
        images = [{"id": n + 1, "file_name": name, "width": 8, "height": 6} for n, name in enumerate(names)]
        annotations = [
            {"id": k + 1, "image_id": k % len(names) + 1, "category_id": k % 2 + 1, "bbox": [1, 1, 3, 2],
             "segmentation": [[1, 1, 4, 1, 4, 3]] if k else {"counts": [5, 20], "size": [6, 8]}, "iscrowd": int(not k)}
            for k in range(3)
        ]  # fmt: skip
        coco = {
            "images": images,
            "annotations": annotations,
            "categories": [{"id": 1, "name": "스크래치"}, {"id": 2, "name": "찍힘"}],
        }
        zip_files(
            root / LABELS / f"{archive}.zip",
            {f"{archive}_annotations.json": json.dumps(coco, ensure_ascii=False).encode()},
        )
        zip_files(root / SOURCES / f"{archive.replace('TL', 'TS')}.zip", {name: tiny_png(8, 6) for name in names})
    write_manifest(root, "mfg-defect-coco", "manufacturing", "image")
    assert inspect_write(root) == 0
    (block,) = load_manifest(root).labels.blocks  # type: ignore[union-attr]
    assert block.records == "annotations[*]" and block.fields["image"].lookup is not None
    if streamed:  # a file too large to read whole: its records one by one, after the lists that come first
        monkeypatch.setenv("KDATA_MAX_ITEM_BYTES", "64")
        rows, problems, _ = extract(root)
        # categories come after the annotations here: refused by name, never published as null classes
        assert {p["code"] for p in problems} == {"schema"} and "$.categories[*]" in problems[0]["field"]
        assert rows == []
        return
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 6 and all(r["image_valid"] for r in rows)
    first = next(r for r in rows if r["label_member"].startswith("TL_02") and r["annotation_id"] == 2)
    assert (first["image"], first["category"], first["image_width"]) == ("s_0.jpg", "찍힘", 8)
    assert first["source_file"].endswith("!s_0.jpg") and first["bbox"] == [[1.0, 1.0, 3.0, 2.0]]
    crowd = next(r for r in rows if r["iscrowd"] == 1)
    assert crowd["segmentation"] == [] and json.loads(crowd["label_json"])["segmentation"]["counts"] == [5, 20]


def test_a_speaker_count_is_no_speaker_and_a_text_in_half_the_files_is_no_text() -> None:
    """Command speech's ``기본정보.NumberOfSpeaker: "1"`` took the speaker role from ``화자정보.SpeakerName``; a
    parallel corpus's ``ko_original`` (in its kor2eng files only) got the text role and failed the not-empty
    check on every eng2kor record."""
    from kdata.inspect_labels import suggest_block

    speech = [{"기본정보": {"NumberOfSpeaker": "1"}, "화자정보": {"SpeakerName": f"SPK{n % 3:03d}"}} for n in range(9)]
    block, _tree = suggest_block(speech, "json", "**/*.json", per_source=True)
    roles = {spec["path"]: spec.get("role") for spec in block["fields"].values()}
    assert roles["기본정보.NumberOfSpeaker"] is None and roles["화자정보.SpeakerName"] == "speaker"
    pairs = [
        {"sn": f"S{n}", ("ko_original" if n % 2 else "en_original"): f"문장 번호 {n} 입니다 sentence"} for n in range(8)
    ]
    block, _tree = suggest_block(pairs, "json", "**/*.json", per_source=True)
    roles = {spec["path"]: spec.get("role") for spec in block["fields"].values()}
    assert roles["ko_original"] is None and roles["en_original"] is None


@pytest.mark.parametrize("named", [False, True], ids=["by-stem", "by-field"])
def test_frames_named_alike_in_every_video_folder_join_their_own_image(
    tmp_path: Path, kdata_home: Path, named: bool
) -> None:
    """Livestock behaviour video (가축 행동): ``pig03/frame_0_timestamp_0.json`` beside
    ``pig03/frame_0_timestamp_0.jpg`` in every video's folder: the first video's frame was joined to every
    video's label of that name (verdict passed). A label joins the source in its own folder (or in the
    folder its field names)."""
    labels, images = {}, {}
    for video in range(3):
        for frame in range(2):
            stem = f"frame_{frame}_timestamp_{frame * 33}"
            label: dict[str, object] = {"objects": [{"track_id": video, "behavior": "섭식"}]}
            if named:
                label["image"] = f"pig{video:02d}/{stem}.jpg"
            labels[f"pig{video:02d}/{stem}.json"] = json.dumps(label, ensure_ascii=False).encode()
            images[f"돼지/pig{video:02d}/{stem}.jpg"] = tiny_png(4 + video, 3)  # each video's frames differ
    root = tmp_path / "pigs"
    zip_files(root / LABELS / "TL_돼지.zip", labels)
    zip_files(root / SOURCES / "TS_돼지.zip", images)
    fields: dict[str, object] = {"behavior": {"path": "objects[*].behavior", "role": "class"}}
    if named:
        fields["image"] = {"path": "image", "role": "source"}
    write_manifest(root, "pig-behaviour", "agriculture", "image", labels={"fields": fields})
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 6
    for row in rows:
        video = row["label_member"].split("/")[0]
        assert row["source_file"].endswith(f"!돼지/{video}/{PurePosixPath(row['label_member']).stem}.jpg"), row
        assert row["media"]["bytes"] == tiny_png(4 + int(video[3:]), 3)


def test_a_bbox_of_corners_is_read_as_corners_when_as_a_size_it_leaves_the_image() -> None:
    """Autonomous-driving simulation labels name their corner boxes ``bbox`` (``[216, 339, 264, 386]`` on a
    1920×1080 frame): read as COCO's x, y, width, height, boxes were published several times too wide (verdict
    passed on large frames, refused on small ones). A ``bbox`` whose numbers, read as sizes, leave the stated
    image in many samples while as corners they all fit is ``format: xyxy``; COCO's stays xywh."""
    from kdata.inspect_labels import suggest_block

    def frame(n: int, boxes: list[list[int]]) -> dict[str, object]:
        return {"image": {"width": 1920, "height": 1080}, "annotations": [{"bbox": b, "class": "car"} for b in boxes]}

    corners = [frame(n, [[216 + n, 339, 264 + 3 * n, 386], [1200, 500, 1500 + n, 700]]) for n in range(6)]
    block, _tree = suggest_block(corners, "json", "**/*.json", per_source=True)
    (box,) = [spec for spec in block["fields"].values() if spec.get("role") == "bbox"]
    assert box.get("format") == "xyxy"
    sizes = [frame(n, [[216 + n, 339, 48, 47], [1200, 500, 300 + n, 200]]) for n in range(6)]  # COCO-like
    block, _tree = suggest_block(sizes, "json", "**/*.json", per_source=True)
    (box,) = [spec for spec in block["fields"].values() if spec.get("role") == "bbox"]
    assert box.get("format", "xywh") == "xywh"


def test_a_scene_file_is_never_rewritten_to_one_of_its_frames() -> None:
    """A scene's ``scene1_calib.json`` beside frames ``scene1_010.png`` ...: inspect suggested
    ``source_stem: {pattern: _calib$, to: _010}`` and every scene's calibration joined its tenth frame."""
    from kdata.inspect_labels import _stem_rewrite

    frames = {f"scene{s}_{f:03d}" for s in range(3) for f in range(10, 14)}
    assert _stem_rewrite([f"scene{s}_calib" for s in range(3)], frames) is None
    assert _stem_rewrite(["F1_CUB", "F2_CUB"], {"F1_IMG", "F2_IMG"}) == {"pattern": "_CUB$", "to": "_IMG"}


def test_asap_pathology_coordinates_are_polygons(tmp_path: Path, kdata_home: Path) -> None:
    """Pathology slides annotated in ASAP XML (``Annotation/Coordinates/Coordinate[@Order, @X, @Y]``): every
    record was refused ("expected a polygon, got text '0'"), since point objects took only x/y keys; the
    attributes' ``@`` and the point's ``@Order`` are read as a point's own now. Inspect suggests the polygon."""
    from kdata.inspect_labels import suggest_block

    def slide(n: int) -> bytes:
        points = "".join(f'<Coordinate Order="{k}" X="{10 * k + n}.5" Y="{5 * k}"/>' for k in range(4))
        head = f'<Annotation Name="A{n}" Type="Polygon" PartOfGroup="_{n % 2}">'
        one = f"{head}<Coordinates>{points}</Coordinates></Annotation>"
        return f"<ASAP_Annotations><Annotations>{one}{one}</Annotations></ASAP_Annotations>".encode()

    root = tmp_path / "asap"
    zip_files(root / LABELS / "TL_위암.zip", {f"slide_{n}.xml": slide(n) for n in range(3)})
    coordinates = "ASAP_Annotations.Annotations.Annotation[*].Coordinates.Coordinate"
    group = "ASAP_Annotations.Annotations.Annotation[*].@PartOfGroup"
    fields = {"polygons": {"path": coordinates, "role": "polygon"}, "group": {"path": group}}
    write_manifest(root, "gastric-pathology", "healthcare", "text", labels={"fields": fields})
    rows, problems, _ = extract(root)
    assert problems == [] and len(rows) == 3
    assert rows[0]["polygons"][0] == [[0.5, 0.0, 10.5, 5.0, 20.5, 10.0, 30.5, 15.0]] and len(rows[0]["polygons"]) == 2
    from ingest.mapping.formats import documents
    from schemas.labels import LabelBlock

    docs = [doc for n in range(3) for _line, doc in documents(slide(n), "xml", LabelBlock(format="xml"))]
    block, _tree = suggest_block(docs, "xml", "**/*.xml", per_source=True)
    assert {"path": coordinates, "role": "polygon"} in block["fields"].values(), block["fields"]


def test_captions_file_paths_and_relative_boxes_are_suggested_as_what_they_are() -> None:
    """Video change-boundary inference (비디오 전환 경계 추론): ``trigger_action`` holds a Korean caption per clip (it
    was suggested as a class), the boxes ``{x1, y1, x2, y2}`` are shares of the frame (0..1: they were taken
    for pixels, the inside-image check passing trivially); customer-service speech's ``textPath`` names a
    transcript file (it got the text role)."""
    from kdata.inspect_labels import suggest_block

    clips = [
        {"video_name": f"clip_{n}.mp4", "width": 1920, "height": 1080,
         "trigger_info": [{"trigger": ["scene", "object"][n % 2], "trigger_action": f"사람이 {n}번째 문을 연다",
                           "bbox": {"x1": 0.1 + n / 100, "y1": 0.2, "x2": 0.5, "y2": 0.9}}],
         "dialog": {"textPath": f"KRESP/{n:04d}.txt"}}
        for n in range(10)
    ]  # fmt: skip
    block, _tree = suggest_block(clips, "json", "**/*.json", per_source=True)
    specs = {spec["path"]: spec for spec in block["fields"].values()}
    assert specs["trigger_info[0].trigger_action"].get("role") == "text"
    box = specs["trigger_info[0].bbox"]
    assert box.get("role") == "bbox" and box.get("relative") is True
    assert specs["dialog.textPath"].get("role") is None


def test_a_label_is_not_joined_to_another_kinds_source_by_its_id(tmp_path: Path, kdata_home: Path) -> None:
    """Math problems and their model answers (수학 과목 문제생성: TL_1.문제 / TL_2.모범답안) share ids; an answer's
    image (``<id>_A.png``) that is not there is a missing source, never the problem's ``<id>.png``, which the
    record id and the label's stem find in TS_1: a guessed key keeps to the source archives named like the
    label archive. K-Fashion's guess by id (its stated file name is not the image's) stays: its TS pairs."""
    root = tmp_path / "math"
    problems = {f"P{n}.json": json.dumps({"id": f"P{n}", "question": f"문제 {n}"}).encode() for n in (1, 2)}
    answers = {f"P{n}.json": json.dumps({"id": f"P{n}", "answer_filename": f"P{n}_A.png"}).encode() for n in (1, 2)}
    zip_files(root / f"{LABELS}/TL_1.문제_중학교.zip", problems)
    zip_files(root / f"{LABELS}/TL_2.모범답안_중학교.zip", answers)
    zip_files(root / f"{SOURCES}/TS_1.문제_중학교.zip", {"P1.png": tiny_png(), "P2.png": tiny_png()})
    zip_files(root / f"{SOURCES}/TS_2.모범답안_중학교.zip", {"P1_A.png": tiny_png()})  # P2's answer image missing
    write_manifest(
        root,
        "math-problems",
        "education",
        "image",
        labels=[
            {
                "files": ["**/*.json"],
                "archives": [f"{LABELS}/TL_1.문제_중학교.zip"],
                "fields": {"id": {"path": "id", "role": "id"}, "question": {"path": "question", "role": "text"}},
            },
            {
                "files": ["**/*.json"],
                "archives": [f"{LABELS}/TL_2.모범답안_중학교.zip"],
                "fields": {"problem_id": {"path": "id"}, "answer_image": {"path": "answer_filename", "role": "source"}},
            },
        ],
    )
    rows, problems_found, _plan = extract(root)
    joined = {(r["problem_id"] or r["id"], r["answer_image"] is not None): r["source_file"] for r in rows}
    assert joined == {
        ("P1", False): f"{SOURCES}/TS_1.문제_중학교.zip!P1.png",
        ("P2", False): f"{SOURCES}/TS_1.문제_중학교.zip!P2.png",
        ("P1", True): f"{SOURCES}/TS_2.모범답안_중학교.zip!P1_A.png",
        ("P2", True): None,
    }
    missing = [(p["code"], p["member"]) for p in problems_found if p["code"] == "missing_source"]
    assert missing == [("missing_source", "P2.json")]


def test_an_object_in_several_parts_keeps_its_place_beside_its_class(tmp_path: Path, kdata_home: Path) -> None:
    """실내 자율주차 (indoor parking): ``objects[{class_name, annotation: [[{x, y}...], [{x, y}...]]}]``, an
    object may have several parts. Collected by ``[*]`` the polygons were one flat list, so every class after
    a two-part object sat beside another object's polygon (verdict passed). Each item keeps its polygons."""
    root = tmp_path / "parking"
    part = [{"x": 1, "y": 1}, {"x": 3, "y": 1}, {"x": 3, "y": 2}]
    other = [{"x": 5, "y": 5}, {"x": 6, "y": 5}, {"x": 6, "y": 6}]
    objects = [{"class_name": "기둥", "annotation": [part, other]}, {"class_name": "차량", "annotation": [part]}]
    label = {"objects": objects}
    zip_files(root / f"{LABELS}/TL_1.주차장.zip", {"B1_0001.json": json.dumps(label, ensure_ascii=False).encode()})
    zip_files(root / f"{SOURCES}/TS_1.주차장.zip", {"B1_0001.png": tiny_png(8, 8)})
    write_manifest(
        root,
        "indoor-parking",
        "transport",
        "image",
        labels={
            "fields": {
                "cls": {"path": "objects[*].class_name", "role": "class"},
                "annotation": {"path": "objects[*].annotation", "role": "polygon"},
            }
        },
    )
    rows, problems, _plan = extract(root)
    assert problems == [] and len(rows) == 1
    assert rows[0]["cls"] == ["기둥", "차량"]
    assert rows[0]["annotation"] == [
        [[1.0, 1.0, 3.0, 1.0, 3.0, 2.0], [5.0, 5.0, 6.0, 5.0, 6.0, 6.0]],
        [[1.0, 1.0, 3.0, 1.0, 3.0, 2.0]],
    ]


def test_a_segment_ending_after_its_audio_fails_the_ends_check(tmp_path: Path, kdata_home: Path) -> None:
    """회의 음성 (meeting speech): one row per utterance of a session's WAV; an utterance ending at 99 s of a
    3.6 s recording passed (time order and audio were fine). ``ends_in_audio`` compares the record's ``end``
    times with its audio's length (a warning item, as ``audio_length_ok``)."""
    from quality.suites.mapped import mapped_specs
    from schemas.mapped import mapped_schema

    root = tmp_path / "meeting"
    label = {"utterance": [{"id": "U0", "start": 0.0, "end": 0.04}, {"id": "U1", "start": 0.04, "end": 99.0}]}
    zip_files(root / LABELS / "TL_1.회의.zip", {"M0001.json": json.dumps(label).encode()})
    zip_files(root / SOURCES / "TS_1.회의.zip", {"M0001.wav": tiny_wav(800)})  # 0.05 s
    fields = {
        "id": {"path": "id", "role": "id"},
        "start": {"path": "start", "role": "start"},
        "end": {"path": "end", "role": "end"},
        "audio": {"path": "@stem", "role": "source"},
    }
    write_manifest(root, "meeting-speech", "korean", "audio", labels={"records": "utterance[*]", "fields": fields})
    rows, problems, _ = extract(root)
    assert problems == []
    assert {r["id"]: (r["time_order_ok"], r["audio_valid"], r["ends_in_audio"]) for r in rows} == {
        "U0": (True, True, True),
        "U1": (True, True, False),
    }
    mapping = load_manifest(root).labels
    assert mapping is not None
    schema = mapped_schema(mapping, name="m", domain="korean", data_type="audio")
    specs = mapped_specs(schema.record_schema, mapping, syntactic_target=0.95, has_sources=True)
    assert next(s for s in specs if s.key == "segments_within_audio").severity == "warning"


def test_inspect_gives_one_block_the_id_when_two_kinds_share_ids(tmp_path: Path, kdata_home: Path) -> None:
    """수학 문제생성: problems (TL_1.문제) and their model answers (TL_2.모범답안) carry the same ``id``. inspect
    suggested a block each, both with ``id: {role: id}``: one id column, every id twice, ``id_unique``
    failed (good data refused). The later block keeps its id as a column of its own, without the role."""
    root = tmp_path / "math"
    problems, answers, images = {}, {}, {}
    for n in range(6):
        pid = f"M1_2_03_{n:05d}"
        problems[f"{pid}.json"] = json.dumps(
            {"id": pid, "question_filename": f"{pid}.png", "OCR_info": [{"question_text": f"{n}+1은?"}]},
            ensure_ascii=False,
        ).encode()
        answers[f"{pid}.json"] = json.dumps(
            {"id": pid, "answer_info": [{"answer_text": f"{n + 1}", "answer_filename": f"{pid}_A.png"}]},
            ensure_ascii=False,
        ).encode()
        images[f"{pid}.png"] = tiny_png()
        images[f"{pid}_A.png"] = tiny_png()
    zip_files(root / f"{LABELS}/TL_1.문제_중학교.zip", problems)
    zip_files(root / f"{LABELS}/TL_2.모범답안_중학교.zip", answers)
    zip_files(root / f"{SOURCES}/TS_1.문제_중학교.zip", {k: v for k, v in images.items() if "_A" not in k})
    zip_files(root / f"{SOURCES}/TS_2.모범답안_중학교.zip", {k: v for k, v in images.items() if "_A" in k})
    write_manifest(root, "math-problems", "education", "image")
    assert inspect_write(root) == 0
    labels = yaml.safe_load((root / "dataset.yaml").read_text(encoding="utf-8"))["labels"]
    assert isinstance(labels, list) and len(labels) == 2
    id_blocks = [b for b in labels if any(f.get("role") == "id" for f in b["fields"].values())]
    assert len(id_blocks) == 1
    rows, problems_found, _ = extract(root)
    assert len(rows) == 12 and [p for p in problems_found if p["code"] != "missing_source"] == []
    ids = [r[k] for r in rows for k in ("id",) if r.get(k)]
    assert len(ids) == len(set(ids)) == 12  # problems by their id, answers by place


def test_inspect_reads_a_per_archive_list_of_items_naming_their_images_as_records(
    tmp_path: Path, kdata_home: Path
) -> None:
    """KIPRIS-style trademark metadata: one JSON per archive, ``trademarks[{출원번호, 이미지파일, 류}]``, images
    ``<출원번호>.png``. Image data made inspect suggest one row per file (``records: $``, every field a list),
    and ingest refused every label as missing its source. Items that name their media file are the records."""
    root = tmp_path / "trademark"
    for part in (1, 2):
        marks = [
            {"출원번호": f"40202000{part}{n:04d}", "이미지파일": f"40202000{part}{n:04d}.png", "류": [n % 45 + 1]}
            for n in range(5)
        ]
        doc = {"dataset_info": {"name": "상표"}, "trademarks": marks}
        zip_files(
            root / f"{LABELS}/TL_{part}.상표.zip", {f"상표_{part}.json": json.dumps(doc, ensure_ascii=False).encode()}
        )
        zip_files(root / f"{SOURCES}/TS_{part}.상표.zip", {m["이미지파일"]: tiny_png() for m in marks})
    write_manifest(root, "trademark-images", "ip", "image")
    assert inspect_write(root) == 0
    labels = yaml.safe_load((root / "dataset.yaml").read_text(encoding="utf-8"))["labels"]
    block = labels[0] if isinstance(labels, list) else labels
    assert block["records"] in ("trademarks[*]", "$.trademarks[*]")
    rows, problems, _ = extract(root)
    assert len(rows) == 10 and all(r["source_file"] for r in rows)
    assert [p for p in problems if p["code"] == "missing_source"] == []


def test_a_csv_cell_holding_a_json_array_of_numbers_is_a_number_list(tmp_path: Path, kdata_home: Path) -> None:
    """경남 제조 압착 (crimping waves): ``MEASURED_WAVE_TRAIN.csv`` keeps each series as text, ``"[2.899, 0.863]"``;
    ``type: list[float]`` refused it (``MEASURED_WAVE[0]: expected a number, got str``), ``type: json``
    double-encoded it. A JSON array in a text is that array when the list's items are numbers."""
    root = tmp_path / "crimping"
    table = 'REFERENCE_ID,MEASURED_WAVE,QUALITY\nW1,"[2.899, 0.863, -1.5]",OK\nW2,"[]",NG\nW3,"[공지]",OK\n'
    zip_files(root / f"{LABELS}/TL_2.압착.zip", {"MEASURED_WAVE_TRAIN.csv": table.encode()})
    fields = {
        "ref": {"path": "REFERENCE_ID", "role": "id"},
        "wave": {"path": "MEASURED_WAVE", "type": "list[float]"},
        "quality": {"path": "QUALITY", "role": "class"},
    }
    write_manifest(root, "crimping-waves", "manufacturing", "sensor", labels={"fields": fields})
    rows, problems, _ = extract(root)
    assert {r["ref"]: r["wave"] for r in rows} == {"W1": [2.899, 0.863, -1.5], "W2": []}
    assert [(p["code"], p["field"]) for p in problems] == [("schema", "MEASURED_WAVE[0]")]  # "[공지]" is no number


def test_inspect_gives_csvs_of_other_headers_a_block_each(tmp_path: Path, kdata_home: Path) -> None:
    """KAMP 다이캐스팅 ``casting.csv`` (CP949, ``id,...,passorfail``) in TL_1 and crimping waves
    (``REFERENCE_ID,MEASURED_WAVE,QUALITY``) in TL_2: inspect merged both headers into one block with ``id`` as
    the id, and every wave row failed ``id_not_null``. Archives whose CSV headers differ get a block each."""
    root = tmp_path / "manufacturing"
    casting = "id,line,molten_temp,passorfail\n" + "".join(f"{n},전자교반 3라인,{700 + n},0\n" for n in range(6))
    waves = "REFERENCE_ID,MEASURED_WAVE,QUALITY\n" + "".join(f'W{n},"[{n}.5, 1.0]",OK\n' for n in range(4))
    zip_files(root / f"{LABELS}/TL_1.주조.zip", {"casting.csv": casting.encode("cp949")})
    zip_files(root / f"{LABELS}/TL_2.압착.zip", {"MEASURED_WAVE_TRAIN.csv": waves.encode()})
    write_manifest(root, "manufacturing-logs", "manufacturing", "sensor")
    assert inspect_write(root) == 0
    labels = yaml.safe_load((root / "dataset.yaml").read_text(encoding="utf-8"))["labels"]
    assert isinstance(labels, list) and len(labels) == 2
    assert sorted(len(b["archives"]) for b in labels) == [1, 1]
    rows, problems, _ = extract(root)
    assert len(rows) == 10 and [p for p in problems if p["code"] == "schema"] == []


def test_inspect_notes_an_archive_whose_name_and_folder_name_other_splits(tmp_path: Path, kdata_home: Path) -> None:
    """``Validation/02.라벨링데이터/TL_1.문제_중학교_1학년.zip``: the ``TL_`` prefix (train) wins over the folder,
    and validation labels were mixed into train with no word. inspect says so and how to choose."""
    root = tmp_path / "math"
    doc = json.dumps({"id": "P1", "question": "1+1은?"}, ensure_ascii=False).encode()
    zip_files(root / "Training/02.라벨링데이터/TL_1.문제.zip", {"P1.json": doc})
    zip_files(root / "Validation/02.라벨링데이터/TL_1.문제_검증.zip", {"P2.json": doc.replace(b"P1", b"P2")})
    write_manifest(root, "math-split", "education", "text")
    from kdata.inspect_labels import inspect_folder

    notes = inspect_folder(root).notes
    (note,) = [n for n in notes if "TL_1.문제_검증.zip" in n]
    assert "says train" in note and "folder says validation" in note and "split: validation" in note


def test_inspect_takes_a_field_of_image_names_as_the_source_whatever_its_key(tmp_path: Path, kdata_home: Path) -> None:
    """건강관리를 위한 음식 이미지: ``[{"Code Name": "A04017001_T0000.jpg", "Name": "김치찌개", "W": "0.48", ...}]``
    per image. inspect counted the pairs but gave ``Code Name`` no source role (its key says nothing), and 56
    rows were published without their images. A field whose values all name files of the source archives is
    the source."""
    root = tmp_path / "food"
    labels, images = {}, {}
    for n in range(4):
        stem = f"A0401700{n}_T0000"
        labels[f"{stem}.json"] = json.dumps(
            [{"Code Name": f"{stem}.jpg", "Name": "김치찌개", "W": "0.48", "H": "0.23"}], ensure_ascii=False
        ).encode()
        images[f"{stem}.jpg"] = tiny_png()
    zip_files(root / f"{LABELS}/TL_1.음식.zip", labels)
    zip_files(root / f"{SOURCES}/TS_1.음식.zip", images)
    write_manifest(root, "food-images", "culture_tourism", "image")
    assert inspect_write(root) == 0
    labels_block = yaml.safe_load((root / "dataset.yaml").read_text(encoding="utf-8"))["labels"]
    block = labels_block[0] if isinstance(labels_block, list) else labels_block
    assert block["fields"]["code_name"] == {"path": '["Code Name"]', "role": "source"}
    rows, _problems, _ = extract(root)
    assert len(rows) == 4 and all(r["source_file"] for r in rows)


@pytest.mark.parametrize("columnar", [True, False])
def test_rows_that_name_no_source_where_the_split_has_sources_lack_it(
    columnar: bool, tmp_path: Path, kdata_home: Path
) -> None:
    """음식 이미지 with the first suggested mapping (no field named the image, one row per box): 56 rows were
    published without their images and the gate passed (every image had a label of its stem, so none was an
    orphan). A row that no source field can join, where its split has source archives, is a missing source."""
    root = tmp_path / "food"
    labels, images = {}, {}
    for n in range(3):
        boxes = [{"Name": "김치찌개", "W": 0.5, "H": 0.25, "box": [1, 1, 2, 2]}]
        labels[f"F{n}.json"] = json.dumps(boxes, ensure_ascii=False).encode()
        images[f"F{n}.jpg"] = tiny_png()
    zip_files(root / f"{LABELS}/TL_1.음식.zip", labels)
    zip_files(root / f"{SOURCES}/TS_1.음식.zip", images)
    fields: dict[str, object] = {"name": {"path": "Name", "role": "class"}, "w": {"path": "W", "type": "float"}}
    if not columnar:
        fields["box"] = {"path": "box", "role": "bbox"}  # a role the Arrow path leaves to the per-record path
    write_manifest(root, "food-no-source", "culture_tourism", "image", labels={"records": "[*]", "fields": fields})
    rows, problems, _ = extract(root)
    assert len(rows) == 3 and all(r["source_file"] is None for r in rows)
    assert [p["code"] for p in problems] == ["missing_source"] * 3


def test_cvat_xml_boxes_are_boxes_from_their_attributes(tmp_path: Path, kdata_home: Path) -> None:
    """AI Hub's highway CCTV traffic data ships CVAT XML, one file per video: ``<image name= width= height=>``
    holding ``<box label= xtl= ytl= xbr= ybr=>``. Attributes are read as ``@xtl``: inspect suggested four
    float columns and no box (shape trial 9); the box and image size roles now, converted to xywh."""

    def image(name: str, boxes: list[tuple[str, float, float, float, float]]) -> str:
        inner = "".join(
            f'<box label="{c}" occluded="0" xtl="{a}" ytl="{b}" xbr="{x}" ybr="{y}"></box>' for c, a, b, x, y in boxes
        )
        return f'<image id="0" name="{name}" width="8" height="6">{inner}</image>'

    frames = [image("f_0.jpg", [("car", 1, 1, 3, 2), ("bus", 2, 2, 7.5, 5)]), image("f_1.jpg", [("car", 0, 0, 2, 2)])]
    frames.append(image("f_2.jpg", [("truck", 4, 4, 9, 5)]))  # past the 8-pixel-wide image
    xml = f"<annotations><version>1.1</version>{''.join(frames)}</annotations>".encode()
    shipped = {
        "TL_1.수도권.zip": {"C-220713_07_CR01_01.xml": xml},
        "TS_1.수도권.zip": {f"C-220713_07_CR01_01/f_{n}.jpg": tiny_png(8, 6) for n in range(3)},
    }
    block = _first_block(tmp_path / "cctv", shipped, "highway-cctv", "transport", "image")
    roles = {spec.path: spec.role for spec in block.fields.values() if spec.role}
    assert "bbox" in roles.values() and "image_width" in roles.values() and "image_height" in roles.values()
    rows, problems, _ = extract(tmp_path / "cctv")
    assert len(rows) == 3 and [p for p in problems if p["code"] == "schema"] == []
    boxes = next(spec.path for spec in block.fields.values() if spec.role == "bbox")
    column = next(name for name, spec in block.fields.items() if spec.path == boxes)
    by_image = {r["label_json"].split('"@name":"', 1)[1].split('"', 1)[0]: r for r in rows}
    assert by_image["f_0.jpg"][column] == [[1.0, 1.0, 2.0, 1.0], [2.0, 2.0, 5.5, 3.0]]
    assert by_image["f_2.jpg"][f"{column}__outside"] == 1


def test_a_missing_recording_is_missing_not_another_sessions_file_of_the_same_name(
    tmp_path: Path, kdata_home: Path
) -> None:
    """회의 음성 (KconfSpeech): every session names its utterances 000000.wav, 000001.wav ...; a session's JSON
    lists ``dataSet.dialogs[{speaker, audioPath}]``. Session S000011's 000002.wav is missing: its row was
    joined to S000009's 000002.wav and published, the gate passed (shape trial 10)."""
    root = tmp_path / "meeting"
    labels: dict[str, bytes] = {}
    audio: dict[str, bytes] = {}
    for session in ("S000009", "S000010", "S000011"):
        dialogs = [{"speaker": "A", "audioPath": f"D26/G02/{session}/{n:06d}.wav"} for n in range(3)]
        labels[f"D26/G02/{session}/{session}.json"] = json.dumps({"dataSet": {"dialogs": dialogs}}).encode()
        audio.update({f"D26/G02/{session}/{n:06d}.wav": tiny_wav() for n in range(3)})
    del audio["D26/G02/S000011/000002.wav"]
    zip_files(root / f"{LABELS}/TL_D26.zip", labels)
    zip_files(root / f"{SOURCES}/TS_D26.zip", audio)
    fields = {"speaker": {"path": "speaker", "role": "speaker"}, "audio": {"path": "audioPath", "role": "source"}}
    blocks = [{"files": ["**/*.json"], "records": "$.dataSet.dialogs[*]", "fields": fields}]
    write_manifest(root, "meeting-speech", "korean", "audio", labels=blocks)
    rows, problems, _ = extract(root)
    joined = {r["audio"]: r["source_file"] for r in rows}
    assert joined["D26/G02/S000011/000002.wav"] is None  # not S000009's or S000010's 000002.wav
    assert all(v.endswith("!" + k) for k, v in joined.items() if v is not None) and len(joined) == 9
    missing = [p for p in problems if p["code"] == "missing_source"]
    assert [p["member"] for p in missing] == ["D26/G02/S000011/S000011.json"]


def test_a_block_that_names_no_source_beside_one_that_does_is_not_missing_its_sources(
    tmp_path: Path, kdata_home: Path
) -> None:
    """시각정보 기반 질의응답 (VQA): per category, ``images.json`` names each image, ``question.json`` and
    ``annotation.json`` only ids. Every question and answer was refused as missing its source and the gate
    failed good data (shape trial 10): a block that names no source has none by design when another does;
    a missing image of the block that names them is still refused."""
    from kcore.config import load_settings
    from kdata import pipeline

    root = tmp_path / "vqa"
    images = {"images": [{"image_id": n, "image": f"VQA_{n}.jpg", "category": "음식"} for n in range(4)]}
    questions = {
        "questions": [{"image_id": n, "question_id": 10 + n, "question": f"무엇이 {n}개 있나요?"} for n in range(4)]
    }
    answers = {"annotations": [{"question_id": 10 + n, "multiple_choice_answer": str(n)} for n in range(4)]}
    labels = {f"음식/{name}.json": json.dumps(doc, ensure_ascii=False).encode() for name, doc in
              (("images", images), ("question", questions), ("annotation", answers))}  # fmt: skip
    zip_files(root / f"{LABELS}/TL_음식.zip", labels)
    zip_files(root / f"{SOURCES}/TS_음식.zip", {f"음식/VQA_{n}.jpg": tiny_png() for n in range(4)})
    blocks = [
        {"files": ["**/images.json"], "records": "images[*]",
         "fields": {"image_id": {"path": "image_id", "type": "int"}, "image": {"path": "image", "role": "source"}}},
        {"files": ["**/question.json"], "records": "questions[*]",
         "fields": {"question_id": {"path": "question_id", "type": "int"},
                    "question": {"path": "question", "role": "text"}}},
        {"files": ["**/annotation.json"], "records": "annotations[*]",
         "fields": {"question_id": {"path": "question_id", "type": "int"},
                    "answer": {"path": "multiple_choice_answer", "role": "text"}}},
    ]  # fmt: skip
    write_manifest(root, "vqa-food", "vision", "image", labels=blocks)
    result = pipeline.ingest(load_settings(), str(root))
    assert result["verdict"] == "passed" and sum(result["rows"].values()) == 12, result
    gone = tmp_path / "vqa2"
    zip_files(gone / f"{LABELS}/TL_음식.zip", labels)
    zip_files(gone / f"{SOURCES}/TS_음식.zip", {f"음식/VQA_{n}.jpg": tiny_png() for n in range(3)})  # VQA_3 missing
    write_manifest(gone, "vqa-food-2", "vision", "image", labels=blocks)
    _rows, problems, _ = extract(gone)
    assert [(p["code"], p["member"]) for p in problems if p["code"] == "missing_source"] == [
        ("missing_source", "음식/images.json")
    ]


def test_every_image_a_listed_source_names_has_its_label(tmp_path: Path, kdata_home: Path) -> None:
    """Shape trial 11 (피트니스 자세): one row per file, ``frames[*].view1.img_key`` the source, a list. The row
    joins the first image; the others, named by the same label, were orphans ("every source file has a label":
    25 %, verdict passed with warnings). Each name in a listed source column counts as labelled."""
    from kcore.config import load_settings
    from kdata import pipeline

    root = tmp_path / "fitness"
    docs = {
        f"S{s}.json": {"id": f"S{s}", "frames": [{"view1": {"img_key": f"S{s}/A/S{s}_A-{f}.jpg"},
                                                   "view2": {"img_key": f"S{s}/B/S{s}_B-{f}.jpg"}} for f in range(2)]}
        for s in range(2)
    }  # fmt: skip
    zip_files(root / f"{LABELS}/TL_1.zip", {n: json.dumps(d).encode() for n, d in docs.items()})
    images = {f"S{s}/{v}/S{s}_{v}-{f}.jpg": tiny_png() for s in range(2) for v in "AB" for f in range(2)}
    zip_files(root / f"{SOURCES}/TS_1.zip", {**images, "S9/A/S9_A-0.jpg": tiny_png()})  # one with no label
    fields = {
        "id": {"path": "id", "role": "id"},
        "view1": {"path": "frames[*].view1.img_key", "role": "source"},
        "view2": {"path": "frames[*].view2.img_key", "role": "source"},
    }
    write_manifest(root, "fitness-views", "healthcare", "image", labels={"fields": fields})
    result = pipeline.ingest(load_settings(), str(root))
    summary = json.loads(Path(result["report"]).with_name("quality_summary.json").read_text())
    assert summary["orphan_sources"] == 1, summary["orphan_sources"]  # S9 only (was 7: every image not first)


def test_a_vqa_question_takes_its_image_and_answer_from_the_files_beside_it(tmp_path: Path, kdata_home: Path) -> None:
    """시각정보 기반 질의응답 (VQA): questions name their image by ``image_id``, which only the file of images
    resolves to a file name; answers sit in a third file by ``question_id``. A lookup may read another label
    file of the archive (``lookup: {file: ...}``): one row per question with its image joined and its answer.
    The file is the one in the label's folder (each category's own), else the nearest above; none is a
    problem naming the lookup."""
    root = tmp_path / "vqa"
    labels: dict[str, bytes] = {}
    images: dict[str, bytes] = {}
    for category in ("음식", "동물"):
        ids = range(3) if category == "음식" else range(3, 5)
        docs = {
            "images": {"images": [{"image_id": n, "image": f"VQA_{n}.jpg"} for n in ids]},
            "question": {"questions": [{"image_id": n, "question_id": 10 + n, "question": f"{n}번?"} for n in ids]},
            "annotation": {"annotations": [{"question_id": 10 + n, "multiple_choice_answer": f"답{n}"} for n in ids]},
        }
        labels |= {
            f"{category}/{name}.json": json.dumps(doc, ensure_ascii=False).encode() for name, doc in docs.items()
        }
        images |= {f"{category}/VQA_{n}.jpg": tiny_png() for n in ids}
    labels["기타/question.json"] = json.dumps(
        {"questions": [{"image_id": 9, "question_id": 99, "question": "?"}]}
    ).encode()
    zip_files(root / f"{LABELS}/TL_1.zip", labels)
    zip_files(root / f"{SOURCES}/TS_1.zip", images)
    fields = {
        "question_id": {"path": "question_id", "role": "id"},
        "question": {"path": "question", "role": "text"},
        "image": {
            "path": "image_id",
            "lookup": {"file": "images.json", "items": "$.images[*]", "key": "image_id", "value": "image"},
            "role": "source",
        },
        "answer": {
            "path": "question_id",
            "lookup": {"file": "annotation.json", "items": "$.annotations[*]", "key": "question_id",
                       "value": "multiple_choice_answer"},
        },
    }  # fmt: skip
    block = {"files": ["**/question.json"], "records": "questions[*]", "fields": fields}
    write_manifest(root, "vqa-joined", "vision", "image", labels=[block])
    rows, problems, _ = extract(root)
    by_id = {r["question_id"]: (r["image"], r["answer"], (r["source_file"] or "").split("!")[-1]) for r in rows}
    assert by_id == {
        str(10 + n): (f"VQA_{n}.jpg", f"답{n}", f"{'음식' if n < 3 else '동물'}/VQA_{n}.jpg") for n in range(5)
    }
    assert [(p["member"], "images.json" in p["field"]) for p in problems] == [("기타/question.json", True)], problems

    write_manifest(root, "vqa-joined", "vision", "image")  # inspect suggests the lookup of the question's image
    assert inspect_write(root) == 0
    mapping = load_manifest(root).labels
    assert mapping is not None
    question = next(b for b in mapping.blocks if any("question.json" in f for f in b.files or []))
    [image] = [spec for spec in question.fields.values() if spec.role == "source"]
    assert image.lookup is not None and image.lookup.file is not None and "images.json" in image.lookup.file
    assert (image.path, image.lookup.key, image.lookup.value) == ("image_id", "image_id", "image")


def test_a_folder_without_its_lookup_file_takes_no_other_folders_values(tmp_path: Path, kdata_home: Path) -> None:
    """Attack trial 11: only ``c0/annotation.json`` existed; the questions of ``c1`` and ``c2`` took its
    answers (the only file in the archive). A file beside another folder's questions is that folder's own: a
    problem names the lookup. A pattern that matches no file of the archive is a wrong dataset.yaml: exit 2."""
    from kcore.errors import BadInput

    root = tmp_path / "cross"
    labels = {f"c{n}/question.json": json.dumps({"questions": [{"qid": f"Q{n}", "q": "?"}]}).encode() for n in range(3)}
    labels["c0/annotation.json"] = json.dumps(
        {"annotations": [{"qid": "Q0", "a": "c0의 답"}]}, ensure_ascii=False
    ).encode()
    zip_files(root / f"{LABELS}/TL_1.zip", labels)
    answer = {
        "path": "qid",
        "lookup": {"file": "annotation.json", "items": "$.annotations[*]", "key": "qid", "value": "a"},
    }
    fields = {"qid": {"path": "qid", "role": "id"}, "answer": answer}
    blocks = [{"files": ["**/question.json"], "records": "questions[*]", "fields": fields}]
    write_manifest(root, "cross", "korean", "text", labels=blocks)
    rows, problems, _ = extract(root)
    assert {r["qid"]: r["answer"] for r in rows} == {"Q0": "c0의 답"}
    assert sorted(p["member"] for p in problems if p["code"] == "schema") == ["c1/question.json", "c2/question.json"]
    fields["answer"]["lookup"]["file"] = "answers.json"  # type: ignore[index]
    write_manifest(root, "cross", "korean", "text", labels=blocks)
    with pytest.raises(BadInput, match="matches no label file"):
        extract(root)


def test_handwriting_coco_keeps_its_text_ids_and_its_transcription(tmp_path: Path, kdata_home: Path) -> None:
    """한국어 글자체 이미지 (손글씨, shape trial 12): one COCO-like file, ids ``"00100001"`` as text, each annotation's
    ``text`` and ``attributes.type``. The COCO suggestion typed the id ``int`` (``HW_…`` refused the dataset;
    ``"00100001"`` published as 100001) and left the transcription in ``label_json`` only."""
    ids = ["00100001", "00100002", "HW_00000003"]
    doc = {
        "images": [{"id": i, "width": 8, "height": 6, "file_name": f"1_word/{i}.png"} for i in ids],
        "annotations": [
            {"id": i, "image_id": i, "text": t, "attributes": {"type": k}}
            for i, t, k in zip(ids, ["가", "안녕", "사과나무"], ["글자(음절)", "단어(어절)", "단어(어절)"], strict=True)
        ],
    }
    shipped = {
        "TL_1.손글씨.zip": {"handwriting_data_info.json": json.dumps(doc, ensure_ascii=False).encode()},
        "TS_1.손글씨.zip": {f"1_word/{i}.png": tiny_png(8, 6) for i in ids},
    }
    block = _first_block(tmp_path / "hw", shipped, "handwriting", "education", "image")
    roles = {spec.path: (spec.role, spec.type) for spec in block.fields.values()}
    assert roles["id"] == (None, None) and roles["text"][0] == "text" and roles["attributes.type"][0] == "class"
    rows, problems, _ = extract(tmp_path / "hw")
    assert problems == [] and sorted(r["annotation_id"] for r in rows) == sorted(ids)
    assert {r["annotation_id"]: r["text"] for r in rows}["00100001"] == "가"


def test_image_captions_are_texts(tmp_path: Path, kdata_home: Path) -> None:
    """한국어 이미지 설명 (MSCOCO-ko): ``[{id, file_path, caption_ko: [...]}]``; the list of captions got no text
    role, so an image without a caption passed (shape trial 10)."""
    items = [
        {"id": n, "file_path": f"val2014/COCO_val2014_{n:012d}.jpg",
         "caption_ko": [f"{n}번째 사진에는 식탁 위에 음식이 놓여 있다.", "사람들이 식사를 하고 있다."]}
        for n in range(12)
    ]  # fmt: skip
    items[3]["caption_ko"] = []
    shipped = {
        "TL_1.zip": {"MSCOCO_train_val_Korean.json": json.dumps(items, ensure_ascii=False).encode()},
        "TS_1.zip": {f"val2014/COCO_val2014_{n:012d}.jpg": tiny_png() for n in range(12)},
    }
    block = _first_block(tmp_path / "caption", shipped, "coco-ko", "vision", "image")
    roles = {spec.path: spec.role for spec in block.fields.values()}
    assert roles["caption_ko"] == "text", roles
    rows, _problems, _ = extract(tmp_path / "caption")
    column = next(name for name, spec in block.fields.items() if spec.role == "text")
    assert [r[f"{column}__empty"] for r in sorted(rows, key=lambda r: int(r["id"]))] == [0, 0, 0, 1] + [0] * 8


def test_a_block_that_names_media_files_without_the_source_role_still_needs_them(
    tmp_path: Path, kdata_home: Path
) -> None:
    """Attack trial 9: beside a dummy block naming one image that exists, a block of 20 box labels whose
    ``file_name`` was mapped as a plain field published its records without their images, and the gate passed.
    A record that names a media file is not sourceless by design."""
    root = tmp_path / "boxes"
    boxes = {"annotations": [{"file_name": f"IMG_{n}.jpg", "bbox": [1, 1, 2, 2]} for n in range(5)]}
    index = {"images": [{"image": "IMG_0.jpg"}]}
    zip_files(
        root / f"{LABELS}/TL_1.zip",
        {"index.json": json.dumps(index).encode(), "boxes.json": json.dumps(boxes).encode()},
    )
    zip_files(root / f"{SOURCES}/TS_1.zip", {"IMG_0.jpg": tiny_png()})
    blocks = [
        {"files": ["index.json"], "records": "images[*]", "fields": {"image": {"path": "image", "role": "source"}}},
        {"files": ["boxes.json"], "records": "annotations[*]",
         "fields": {"file_name": {"path": "file_name"}, "bbox": {"path": "bbox", "role": "bbox"}}},
    ]  # fmt: skip
    write_manifest(root, "boxes-hidden", "vision", "image", labels=blocks)
    done = subprocess.run(
        [sys.executable, "-m", "kdata", "ingest", str(root), "--json"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 3, done.stdout + done.stderr
    result = json.loads(done.stdout)
    summary = json.loads(Path(result["report"]).with_name("quality_summary.json").read_text(encoding="utf-8"))
    assert "source_present" in summary["critical_failed"], summary["critical_failed"]
