"""Vision samples: car damage photos with English keys (COCO-like) and K-Fashion with Korean keys.

One JSON per image with the image's stem, the image (JPEG or PNG, real pixels with the labelled
shapes drawn in) in the source archive under the same folder.
"""

from __future__ import annotations

import random
from typing import Any

from kdata.samples.base import Item, SampleKind, make_manifest
from kdata.samples.media import draw_image

__all__ = ["CarDamage", "KFashion", "random_box"]

_DAMAGE = ("스크래치", "찌그러짐", "파손", "이격")
_PARTS = ("Front bumper", "Rear bumper", "Front door", "Rear door", "Bonnet", "Side mirror")
_FASHION = ("아우터", "상의", "하의", "원피스")
_FASHION_DETAIL = {"아우터": "코트", "상의": "셔츠", "하의": "청바지", "원피스": "드레스"}
_COLOURS = ("블랙", "화이트", "네이비", "베이지", "레드", "그레이")


def random_box(rng: random.Random, width: int, height: int) -> list[float]:
    """A box ``[x, y, w, h]`` well inside a ``width`` × ``height`` image."""
    w = rng.randint(width // 6, width // 2)
    h = rng.randint(height // 6, height // 2)
    return [float(rng.randint(1, width - w - 1)), float(rng.randint(1, height - h - 1)), float(w), float(h)]


def _polygon(rng: random.Random, box: list[float]) -> list[list[float]]:
    x, y, w, h = box
    points = [(x, y + h / 2), (x + w / 2, y), (x + w, y + h / 2), (x + w / 2, y + h)]
    return [[round(px + rng.uniform(-1, 1), 1), round(py + rng.uniform(-1, 1), 1)] for px, py in points]


def _clamp(points: list[list[float]], width: int, height: int) -> list[list[float]]:
    return [[min(max(px, 0.0), float(width)), min(max(py, 0.0), float(height))] for px, py in points]


def _manifest(kind: SampleKind, dataset_id: str, version: str, items: int, **text: Any) -> dict[str, Any]:
    return make_manifest(
        dataset_id,
        version,
        items,
        domain="vision",
        data_type="image",
        record_schema="vision_image",
        formats=["json", text.pop("image_format")],
        unit=("이미지", "images"),
        **text,
    )


class CarDamage(SampleKind):
    name = "vision_image"
    dataset_id = "vision-car-damage"
    groups = ((1, "전면부"), (2, "측면부"), (3, "후면부"))
    faults = ("bbox-outside", "bad-json", "duplicate-id", "missing-source", "orphan-source")

    def manifest(self, dataset_id: str, version: str, items: int) -> dict[str, Any]:
        return _manifest(
            self,
            dataset_id,
            version,
            items,
            image_format="jpg",
            title=("차량 외관 파손 이미지", "Car exterior damage images"),
            description=(
                "차량 외관 사진에 파손 유형(스크래치·찌그러짐·파손·이격)별 박스와 폴리곤을 단 이미지 데이터입니다.",
                "Car exterior photos with boxes and polygons per damage type (scratch, dent, breakage, gap).",
            ),
            keywords=["차량", "파손", "이미지", "car damage", "segmentation"],
            labeling=("바운딩박스·폴리곤", "Bounding boxes and polygons", "JSON"),
            collection=(
                "정비소에서 촬영한 차량 사진의 번호판을 가리고 파손 부위를 라벨링했습니다.",
                "Photos taken at repair shops, number plates masked, damaged areas labelled.",
            ),
        )

    def make_item(self, rng: random.Random, number: int, split: int, group: int) -> Item:
        width, height = rng.choice(((96, 72), (80, 60), (64, 48)))
        image_id = f"damage_{number:06d}"
        annotations: list[dict[str, Any]] = []
        shapes: list[tuple[list[float], list[list[float]]]] = []
        for k in range(rng.randint(1, 3)):
            box = random_box(rng, width, height)
            category = rng.randrange(len(_DAMAGE))
            polygon = _clamp(_polygon(rng, box), width, height)
            shapes.append((box, polygon))
            annotations.append(
                {
                    "id": number * 10 + k,
                    "image_id": number,
                    "category_id": category + 1,
                    "damage": _DAMAGE[category],
                    "part": rng.choice(_PARTS),
                    "bbox": box,
                    "segmentation": [polygon],
                    "area": box[2] * box[3],
                }
            )
        folder = self.groups[group][1]
        doc = {
            "images": {"id": number, "file_name": f"{image_id}.jpg", "width": width, "height": height},
            "categories": [{"id": n + 1, "name": name} for n, name in enumerate(_DAMAGE)],
            "annotations": annotations,
        }
        image = draw_image(
            rng,
            width,
            height,
            boxes=[(b[0], b[1], b[2], b[3]) for b, _ in shapes],
            polygons=[[(p[0], p[1]) for p in pts] for _, pts in shapes],
            fmt="JPEG",
        )
        return Item(image_id, split, group, f"{folder}/{image_id}.json", doc, f"{folder}/{image_id}.jpg", image)

    def set_id(self, item: Item, new_id: str) -> None:
        item.id = new_id
        item.label["images"]["file_name"] = f"{new_id}.jpg"

    def put_bbox_outside(self, item: Item, rng: random.Random) -> None:
        box = item.label["annotations"][0]["bbox"]
        box[0] = float(item.label["images"]["width"] - box[2] / 2)  # half of it past the right edge


class KFashion(SampleKind):
    name = "vision_kfashion"
    dataset_id = "vision-kfashion"
    groups = ((1, "스트리트"), (2, "모던"), (3, "로맨틱"))
    faults = ("bbox-outside", "bad-json", "duplicate-id", "missing-source", "orphan-source")

    def manifest(self, dataset_id: str, version: str, items: int) -> dict[str, Any]:
        return _manifest(
            self,
            dataset_id,
            version,
            items,
            image_format="png",
            title=("K-Fashion 이미지", "K-Fashion images"),
            description=(
                "패션 사진에 스타일과 의류 분류(아우터·상의·하의·원피스)별 렉트좌표·폴리곤좌표를 단 데이터입니다.",
                "Fashion photos labelled with style and per-garment boxes and polygons (Korean keys).",
            ),
            keywords=["패션", "의류", "스타일", "fashion"],
            labeling=("렉트좌표·폴리곤좌표·스타일", "Boxes, polygons and style", "JSON"),
            collection=(
                "온라인 쇼핑몰 사진의 얼굴을 가리고 의류 영역과 스타일을 라벨링했습니다.",
                "Shop photos with faces masked; garment regions and styles were labelled.",
            ),
        )

    def make_item(self, rng: random.Random, number: int, split: int, group: int) -> Item:
        width, height = rng.choice(((60, 80), (48, 64)))
        worn = sorted(rng.sample(_FASHION, rng.randint(1, 2)))
        rects: dict[str, list[dict[str, float]]] = {c: [{}] for c in _FASHION}
        polys: dict[str, list[dict[str, float]]] = {c: [{}] for c in _FASHION}
        labels: dict[str, list[dict[str, str]]] = {c: [{}] for c in _FASHION}
        shapes = []
        for category in worn:
            box = random_box(rng, width, height)
            rects[category] = [{"X좌표": box[0], "Y좌표": box[1], "가로": box[2], "세로": box[3]}]
            points = _clamp(_polygon(rng, box), width, height)
            polys[category] = [{f"{axis}좌표{n}": p[i] for n, p in enumerate(points, 1) for i, axis in enumerate("XY")}]
            labels[category] = [{"카테고리": _FASHION_DETAIL[category], "색상": rng.choice(_COLOURS)}]
            shapes.append((box, points))
        style = self.groups[group][1]
        doc = {
            "이미지 정보": {
                "이미지 식별자": number,
                "이미지 높이": height,
                "이미지 파일명": f"{number}.png",
                "이미지 너비": width,
            },
            "데이터셋 정보": {
                "파일 생성일자": "2020-11-05 15:26:18",
                "파일 번호": number,
                "파일 이름": f"{number}.json",
                "데이터셋 상세설명": {
                    "렉트좌표": rects,
                    "폴리곤좌표": polys,
                    "라벨링": {"스타일": [{"스타일": style}], **labels},
                },
            },
        }
        image = draw_image(
            rng,
            width,
            height,
            boxes=[(b[0], b[1], b[2], b[3]) for b, _ in shapes],
            polygons=[[(p[0], p[1]) for p in pts] for _, pts in shapes],
        )
        return Item(str(number), split, group, f"{style}/{number}.json", doc, f"{style}/{number}.png", image)

    def set_id(self, item: Item, new_id: str) -> None:
        item.id = new_id
        item.label["이미지 정보"]["이미지 파일명"] = f"{new_id}.png"

    def put_bbox_outside(self, item: Item, rng: random.Random) -> None:
        rects = item.label["데이터셋 정보"]["데이터셋 상세설명"]["렉트좌표"]
        rect = next(r[0] for r in rects.values() if r and r[0])
        rect["Y좌표"] = float(item.label["이미지 정보"]["이미지 높이"] - rect["세로"] / 2)
