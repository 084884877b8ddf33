"""The vision_image kind: 이미지와 박스·폴리곤 라벨 (images with box and polygon labels)."""

from schemas.kinds import Demo, Kind, Sample

KIND = Kind(
    name="vision_image",
    domain="vision",
    help="이미지와 박스·폴리곤 라벨 (images with box and polygon labels)",
    record_schema="schemas.records:VISION_IMAGE",
    reader="ingest.readers.vision_image:read",
    suite="quality.suites.vision_image:specs",
    tasks=("object-detection",),
    samples=(
        Sample(
            "vision_image",
            "kdata.samples.vision:CarDamage",
            help="차량 파손 이미지, COCO형 영문 키 (car damage, COCO-like keys)",
            domain_default=True,
            demo=Demo(items=40, layout="classic"),
            preset="vision_coco",
        ),
        Sample(
            "vision_kfashion",
            "kdata.samples.vision:KFashion",
            help="K-Fashion 이미지, 한글 키 (K-Fashion images, Korean keys)",
            demo=Demo(items=30, layout="open"),
            preset="vision_kfashion",
        ),
    ),
)
