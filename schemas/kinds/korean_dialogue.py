"""The korean_dialogue kind: 한국어 SNS·메신저 대화 (Korean SNS/messenger dialogue)."""

from schemas.kinds import Demo, Kind, Sample

KIND = Kind(
    name="korean_dialogue",
    domain="korean",
    help="한국어 SNS·메신저 대화 (Korean SNS/messenger dialogue)",
    record_schema="schemas.records:KOREAN_DIALOGUE",
    reader="ingest.readers.korean_dialogue:read",
    columnar_reader="ingest.readers.korean_dialogue:read_columnar",
    suite="quality.suites.korean_dialogue:specs",
    tasks=("text-classification",),
    samples=(
        Sample(
            "korean_dialogue",
            "kdata.samples.korean_dialogue:write_korean_dialogue",
            domain_default=True,
            demo=Demo(items=400, layout="classic"),
            preset="korean_dialogue",
        ),
    ),
)
