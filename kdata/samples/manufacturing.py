"""Manufacturing samples on the three-block label shape (a guess; see :mod:`ingest.readers.manufacturing`).

Sensor series: per-equipment groups (``5.보일러``, ``7.압출기``) of label JSON + CSV readings with
units in the header and an anomaly label. Defect images: per-equipment groups of JPEG + label JSON;
the second group uses the ``Learning_Data_Info.`` / ``Annotations`` variant with title-case keys.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from kdata.samples.base import Item, SampleKind, make_manifest
from kdata.samples.media import draw_image
from kdata.samples.vision import random_box

__all__ = ["DefectImages", "SensorSeries"]

_SENSORS = {
    "보일러": (("temperature", "°C", 180.0, 4.0), ("pressure", "bar", 9.5, 0.3), ("flow", "m3/h", 42.0, 2.0)),
    "압출기": (("temperature", "°C", 210.0, 3.0), ("motor_current", "A", 35.0, 1.5), ("screw_speed", "rpm", 60.0, 2.0)),
}
_ANOMALY = {
    "temperature": "과열",
    "pressure": "압력 이상",
    "flow": "유량 저하",
    "motor_current": "과전류",
    "screw_speed": "회전 불안정",
}
_EQUIPMENT_ID = {"보일러": "BLR", "압출기": "EXT", "사출기": "INJ"}
_DEFECTS = ("스크래치", "찍힘", "오염", "기포")
_PRODUCTS = {"압출기": "PVC 파이프", "사출기": "자동차 내장 부품"}
_START = dt.datetime(2023, 3, 1, 9, 0, 0)


class SensorSeries(SampleKind):
    name = "manufacturing_sensor"
    dataset_id = "manufacturing-equipment-sensor"
    groups = ((5, "보일러"), (7, "압출기"))
    faults = ("bad-json", "duplicate-id", "missing-source", "orphan-source")

    def manifest(self, dataset_id: str, version: str, items: int) -> dict[str, Any]:
        return make_manifest(
            dataset_id,
            version,
            items,
            domain="manufacturing",
            data_type="sensor",
            record_schema=self.name,
            title=("제조 설비 센서 시계열", "Manufacturing equipment sensor series"),
            description=(
                "보일러·압출기 설비의 온도·압력·전류 센서 시계열에 정상/이상 구간을 라벨링한 데이터입니다.",
                "Boiler and extruder sensor time series (temperature, pressure, current) with anomaly segments.",
            ),
            formats=["json", "csv"],
            keywords=["제조", "설비", "센서", "이상탐지", "sensor"],
            labeling=("정상·이상 구간", "Normal and anomaly segments", "JSON"),
            unit=("시계열", "series"),
            collection=(
                "공장 설비의 PLC 센서값을 1초 간격으로 수집하고 이상 구간을 표시했습니다.",
                "PLC sensor values sampled every second; engineers marked the anomaly segments.",
            ),
        )

    def make_item(self, rng: random.Random, number: int, split: int, group: int) -> Item:
        equipment = self.groups[group][1]
        series_id = f"{_EQUIPMENT_ID[equipment]}{self.groups[group][0]:02d}_{number:05d}"
        rows, interval = rng.randint(40, 80), 1
        start = _START + dt.timedelta(hours=number)
        sensors = _SENSORS[equipment]
        anomaly = rng.random() < 0.35
        begin, end = sorted(rng.sample(range(5, rows - 5), 2)) if anomaly else (0, -1)
        spiked = rng.randrange(len(sensors))
        lines = ["timestamp," + ",".join(f"{n}({u})" for n, u, _, _ in sensors)]
        for r in range(rows):
            values = []
            for s, (_, _, mean, spread) in enumerate(sensors):
                value = mean + rng.gauss(0, spread) + (spread * 8 if s == spiked and begin <= r <= end else 0)
                values.append(f"{value:.2f}")
            lines.append(f"{start + dt.timedelta(seconds=r * interval):%Y-%m-%d %H:%M:%S}," + ",".join(values))
        stamp = lambda r: f"{start + dt.timedelta(seconds=r * interval):%Y-%m-%d %H:%M:%S}"  # noqa: E731
        classes: list[dict[str, Any]] = [{"class_name": "정상", "class_info_list": []}]
        if anomaly:
            name = sensors[spiked][0]
            segment = {
                "anomaly_type": _ANOMALY[name],
                "sensor": name,
                "start_time": stamp(begin),
                "end_time": stamp(end),
            }
            classes = [{"class_name": "이상", "class_info_list": [segment]}]
        doc = {
            "raw_data_info": {
                "equipment_id": f"{_EQUIPMENT_ID[equipment]}-{self.groups[group][0]:02d}",
                "equipment_name": equipment,
                "factory": "#@소속#",
                "collection_method": "PLC",
            },
            "source_data_info": {
                "source_data_name": f"{series_id}.csv",
                "file_format": "csv",
                "row_count": rows,
                "sampling_interval_sec": interval,
                "sensors": [{"name": n, "unit": u} for n, u, _, _ in sensors],
            },
            "learning_data_info": classes,
        }
        csv = ("\n".join(lines) + "\n").encode("utf-8")
        folder = f"{self.groups[group][0]}.{equipment}"
        return Item(series_id, split, group, f"{folder}/{series_id}.json", doc, f"{folder}/{series_id}.csv", csv)

    def set_id(self, item: Item, new_id: str) -> None:
        item.id = new_id
        item.label["source_data_info"]["source_data_name"] = f"{new_id}.csv"


class DefectImages(SampleKind):
    name = "manufacturing_defect"
    dataset_id = "manufacturing-surface-defect"
    groups = ((7, "압출기"), (9, "사출기"))
    faults = ("bbox-outside", "bad-json", "duplicate-id", "missing-source", "orphan-source")

    def manifest(self, dataset_id: str, version: str, items: int) -> dict[str, Any]:
        return make_manifest(
            dataset_id,
            version,
            items,
            domain="manufacturing",
            data_type="image",
            record_schema=self.name,
            title=("제품 표면 결함 이미지", "Product surface defect images"),
            description=(
                "압출·사출 제품 표면을 촬영해 스크래치·찍힘·오염·기포 결함 박스를 단 이미지 데이터입니다.",
                "Extruded and injection-moulded product surfaces with scratch, dent, stain and bubble boxes.",
            ),
            formats=["json", "jpg"],
            keywords=["제조", "결함", "비전검사", "defect"],
            labeling=("결함 바운딩박스", "Defect bounding boxes", "JSON"),
            unit=("이미지", "images"),
            collection=(
                "생산 라인 비전 카메라로 촬영하고 품질 담당자가 결함을 표시했습니다.",
                "Captured by line-scan cameras; quality staff marked the defects.",
            ),
        )

    def make_item(self, rng: random.Random, number: int, split: int, group: int) -> Item:
        size = 64
        equipment = self.groups[group][1]
        image_id = f"{_EQUIPMENT_ID[equipment]}_{number:06d}"
        boxes = [random_box(rng, size, size) for _ in range(rng.choice((0, 1, 1, 2)))]
        names = [rng.choice(_DEFECTS) for _ in boxes]
        corners = [[b[0], b[1], b[0] + b[2], b[1] + b[3]] for b in boxes]
        raw = {"equipment_name": equipment, "product": _PRODUCTS[equipment], "line": f"{rng.randint(1, 3)}라인"}
        source = {"source_data_name": f"{image_id}.jpg", "resolution": [size, size], "file_extension": "jpg"}
        if group == 0:
            learning: Any = [
                {
                    "class_name": n,
                    "class_info_list": [{"class_id": _DEFECTS.index(n) + 1, "type": "bbox", "type_value": c}],
                }
                for n, c in zip(names, corners, strict=True)
            ] or [{"class_name": "정상", "class_info_list": []}]
            doc = {"raw_data_info": raw, "source_data_info": source, "learning_data_info": learning}
        else:
            annotations = [
                {"Class_ID": _DEFECTS.index(n) + 1, "Class_Name": n, "Type": "bbox", "Type_value": c}
                for n, c in zip(names, corners, strict=True)
            ]
            doc = {
                "Raw_Data_Info": raw,
                "Source_Data_Info": source,
                "Learning_Data_Info.": {"Annotations": annotations},
            }
        image = draw_image(rng, size, size, boxes=[(b[0], b[1], b[2], b[3]) for b in boxes], fmt="JPEG")
        folder = f"{self.groups[group][0]}.{equipment}"
        return Item(image_id, split, group, f"{folder}/{image_id}.json", doc, f"{folder}/{image_id}.jpg", image)

    def _source_info(self, item: Item) -> dict[str, Any]:
        info: dict[str, Any] = item.label.get("source_data_info") or item.label["Source_Data_Info"]
        return info

    def _boxes(self, item: Item) -> list[list[float]]:
        learning = item.label.get("learning_data_info") or item.label.get("Learning_Data_Info.")
        if isinstance(learning, dict):
            return [a["Type_value"] for a in learning["Annotations"]]
        return [i["type_value"] for c in learning for i in c["class_info_list"]]

    def can_fault(self, fault: str, item: Item) -> bool:
        return fault != "bbox-outside" or bool(self._boxes(item))

    def set_id(self, item: Item, new_id: str) -> None:
        item.id = new_id
        self._source_info(item)["source_data_name"] = f"{new_id}.jpg"

    def put_bbox_outside(self, item: Item, rng: random.Random) -> None:
        box = self._boxes(item)[0]
        width = self._source_info(item)["resolution"][0]
        shift = width + 8 - box[2]
        box[0], box[2] = box[0] + shift, box[2] + shift
