"""Healthcare samples: chest X-ray findings (PNG + JSON) and clinical notes (JSON + note ``.txt``).

The label shapes are a guess (AI Hub publishes no healthcare label file openly): see
:mod:`ingest.readers.healthcare`. Manifests block personal data (``pii_policy: block``).
"""

from __future__ import annotations

import random
from typing import Any

from kdata.samples.base import PII_PHONE, PII_RRN, Item, SampleKind, make_manifest
from kdata.samples.korean_sentences import clinical_note, radiology_report
from kdata.samples.media import draw_image
from kdata.samples.vision import random_box

__all__ = ["ChestXray", "ClinicalNotes"]

_FINDINGS = {"폐결절": "R91", "폐렴": "J18.9", "흉수": "J90", "심비대": "I51.7", "기흉": "J93.9"}
_DIAGNOSES = (
    ("E11.9", "2형 당뇨병"),
    ("I10", "본태성 고혈압"),
    ("J06.9", "급성 상기도 감염"),
    ("K29.7", "위염"),
    ("M54.5", "요통"),
    ("R51", "두통"),
)
_NOTE_TYPES = ("외래기록", "경과기록", "퇴원요약")


def _date(rng: random.Random) -> str:
    return f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


def _manifest(dataset_id: str, version: str, items: int, **text: Any) -> dict[str, Any]:
    return make_manifest(dataset_id, version, items, domain="healthcare", **text)


class ChestXray(SampleKind):
    name = "healthcare_imaging"
    dataset_id = "healthcare-chest-xray"
    groups = ((1, "정상"), (2, "이상소견"))
    faults = ("pii", "bbox-outside", "bad-json", "duplicate-id", "missing-source", "orphan-source")

    def manifest(self, dataset_id: str, version: str, items: int) -> dict[str, Any]:
        return _manifest(
            dataset_id,
            version,
            items,
            data_type="image",
            record_schema=self.name,
            title=("흉부 X선 영상 판독 데이터", "Chest X-ray findings"),
            description=(
                "흉부 X선 영상에 병변 위치 박스, KCD 진단코드와 판독문을 단 의료영상 데이터입니다.",
                "Chest X-ray images with lesion boxes, KCD diagnosis codes and radiology reports.",
            ),
            formats=["json", "png"],
            keywords=["의료영상", "흉부", "X선", "chest x-ray"],
            labeling=("병변 박스·진단코드", "Lesion boxes and diagnosis codes", "JSON"),
            unit=("영상", "images"),
            collection=(
                "협력 병원의 흉부 X선을 가명처리하고 영상의학과 전문의가 판독했습니다.",
                "Chest X-rays from partner hospitals, pseudonymised and read by radiologists.",
            ),
        )

    def make_item(self, rng: random.Random, number: int, split: int, group: int) -> Item:
        size = 64
        study_id = f"CXR{number:06d}"
        names = rng.sample(sorted(_FINDINGS), rng.randint(1, 2)) if group == 1 else []
        boxes = [random_box(rng, size, size) for _ in names]
        findings = [{"finding": n, "code": _FINDINGS[n], "bbox": b} for n, b in zip(names, boxes, strict=True)]
        doc = {
            "study": {"study_id": study_id, "modality": "CR", "body_part": "흉부", "study_date": _date(rng)},
            "patient": {"sex": rng.choice(("M", "F")), "age": rng.randint(20, 89)},
            "image": {"file_name": f"{study_id}.png", "width": size, "height": size},
            "findings": findings,
            "report": radiology_report(rng, names),
        }
        image = draw_image(rng, size, size, boxes=[(b[0], b[1], b[2], b[3]) for b in boxes], grey=True)
        folder = self.groups[group][1]
        return Item(study_id, split, group, f"{folder}/{study_id}.json", doc, f"{folder}/{study_id}.png", image)

    def can_fault(self, fault: str, item: Item) -> bool:
        return fault != "bbox-outside" or bool(item.label["findings"])

    def set_id(self, item: Item, new_id: str) -> None:
        item.id = item.label["study"]["study_id"] = new_id
        item.label["image"]["file_name"] = f"{new_id}.png"

    def put_bbox_outside(self, item: Item, rng: random.Random) -> None:
        box = item.label["findings"][0]["bbox"]
        box[0] = float(item.label["image"]["width"] - box[2] / 2)

    def put_pii(self, item: Item, rng: random.Random) -> None:
        item.label["report"] += f" 환자 주민등록번호 {PII_RRN}, 보호자 연락처 {PII_PHONE}."


class ClinicalNotes(SampleKind):
    name = "healthcare_note"
    dataset_id = "healthcare-clinical-notes"
    groups = ((1, "내과"), (2, "가정의학과"), (3, "응급의학과"))
    faults = ("pii", "bad-json", "duplicate-id", "missing-source", "orphan-source")

    def manifest(self, dataset_id: str, version: str, items: int) -> dict[str, Any]:
        return _manifest(
            dataset_id,
            version,
            items,
            data_type="text",
            record_schema=self.name,
            title=("임상 기록 텍스트", "Clinical notes"),
            description=(
                "외래·경과·퇴원 기록 본문과 KCD 진단코드를 짝지은 한국어 임상 텍스트 데이터입니다.",
                "Korean outpatient, progress and discharge notes paired with KCD diagnosis codes.",
            ),
            formats=["json", "txt"],
            keywords=["임상", "의무기록", "진단코드", "clinical notes"],
            labeling=("진료과·기록 종류·진단코드", "Department, note type and diagnosis codes", "JSON"),
            unit=("기록", "notes"),
            collection=(
                "협력 병원 의무기록을 가명처리하고 진단코드를 검수했습니다.",
                "Medical records from partner hospitals were pseudonymised and their codes reviewed.",
            ),
        )

    def make_item(self, rng: random.Random, number: int, split: int, group: int) -> Item:
        note_id = f"NOTE{number:06d}"
        diagnoses = rng.sample(_DIAGNOSES, rng.randint(1, 2))
        department = self.groups[group][1]
        doc = {
            "note_id": note_id,
            "department": department,
            "note_type": rng.choice(_NOTE_TYPES),
            "visit_date": _date(rng),
            "patient": {"sex": rng.choice(("M", "F")), "age": rng.randint(18, 90)},
            "diagnoses": [{"code": code, "name": name} for code, name in diagnoses],
        }
        text = clinical_note(rng, diagnoses[0][1])
        item = Item(note_id, split, group, f"{department}/{note_id}.json", doc, f"{department}/{note_id}.txt", None)
        item.source = text.encode("utf-8")
        return item

    def set_id(self, item: Item, new_id: str) -> None:
        item.id = item.label["note_id"] = new_id

    def put_pii(self, item: Item, rng: random.Random) -> None:
        note = (item.source or b"").decode("utf-8")
        item.source = (note + f"보호자 연락처 {PII_PHONE}, 주민등록번호 {PII_RRN} 확인함.\n").encode("utf-8")
