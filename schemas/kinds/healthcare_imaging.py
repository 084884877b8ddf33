"""The healthcare_imaging kind: 의료영상과 소견·진단코드 (medical images with findings and codes)."""

from schemas.kinds import Demo, Kind, Sample

KIND = Kind(
    name="healthcare_imaging",
    domain="healthcare",
    help="의료영상과 소견·진단코드 (medical images with findings and codes)",
    record_schema="schemas.records:HEALTHCARE_IMAGING",
    reader="ingest.readers.healthcare:read_imaging",
    suite="quality.suites.healthcare_imaging:specs",
    tasks=("object-detection", "image-classification"),
    samples=(
        Sample(
            "healthcare_imaging",
            "kdata.samples.healthcare:ChestXray",
            domain_default=True,
            demo=Demo(items=30, layout="modern"),
            preset="healthcare_imaging",
        ),
    ),
)
