"""The manufacturing_defect kind: 제품 결함 이미지와 결함 박스 (product defect images)."""

from schemas.kinds import Demo, Kind, Sample

KIND = Kind(
    name="manufacturing_defect",
    domain="manufacturing",
    help="제품 결함 이미지와 결함 박스 (product defect images)",
    record_schema="schemas.records:MANUFACTURING_DEFECT",
    reader="ingest.readers.manufacturing:read_defect",
    suite="quality.suites.manufacturing_defect:specs",
    tasks=("object-detection",),
    samples=(
        Sample(
            "manufacturing_defect",
            "kdata.samples.manufacturing:DefectImages",
            demo=Demo(items=40, layout="classic"),
            preset="three_block",
        ),
    ),
)
