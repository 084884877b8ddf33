"""The korean_emotional_dialogue kind: 감성 대화, labels: 매핑만 (emotional dialogue, read by its labels: mapping)."""

from schemas.kinds import Demo, Kind, Sample

KIND = Kind(
    name="korean_emotional_dialogue",
    domain="korean",
    help="감성 대화, labels: 매핑만 (emotional dialogue, read by its labels: mapping)",
    samples=(
        Sample(
            "korean_emotional_dialogue",
            "kdata.samples.mapped:EmotionalDialogue",
            demo=Demo(items=120, layout="classic"),
        ),
    ),
)
