"""The korean_summary kind: 한국어 문서요약: 원문, 추출·생성 요약 (Korean document summarisation)."""

from schemas.kinds import Demo, Kind, Sample

KIND = Kind(
    name="korean_summary",
    domain="korean",
    help="한국어 문서요약: 원문, 추출·생성 요약 (Korean document summarisation)",
    record_schema="schemas.records:KOREAN_SUMMARY",
    reader="ingest.readers.korean_summary:read",
    suite="quality.suites.korean_summary:specs",
    tasks=("summarization",),
    samples=(
        Sample(
            "korean_summary",
            "kdata.samples.korean_more:KoreanSummary",
            demo=Demo(items=60, layout="modern"),
            preset="korean_summary",
        ),
    ),
)
