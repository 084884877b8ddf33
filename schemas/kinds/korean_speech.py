"""The korean_speech kind: 한국어 음성 발화와 전사 (Korean speech with KsponSpeech-style transcripts)."""

from schemas.kinds import Demo, Kind, Sample

KIND = Kind(
    name="korean_speech",
    domain="korean",
    help="한국어 음성 발화와 전사 (Korean speech with KsponSpeech-style transcripts)",
    record_schema="schemas.records:KOREAN_SPEECH",
    reader="ingest.readers.korean_speech:read",
    suite="quality.suites.korean_speech:specs",
    tasks=("automatic-speech-recognition",),
    samples=(
        Sample(
            "korean_speech",
            "kdata.samples.korean_more:KoreanSpeech",
            demo=Demo(items=40, layout="bracket"),
            preset="korean_speech",
        ),
    ),
)
