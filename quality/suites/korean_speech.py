"""Korean speech suite (음성): readable audio of sensible length, a non-empty cleaned transcript."""

from __future__ import annotations

from quality.gx_runner import ExpectationSpec
from quality.suites._specs import VALID, between, id_specs, in_set, is_true, schema_valid, source_present, zero

__all__ = ["specs"]


def specs(*, syntactic_target: float) -> list[ExpectationSpec]:
    return [
        schema_valid(syntactic_target),
        *id_specs("utterance_id", "발화", "utterance"),
        is_true("audio_readable", "audio_valid", "음성 파일 정상", "Audio file is readable and not empty"),
        between(
            "duration_range", "duration", 0.05, 60.0, ("발화 길이 0.05–60초", "Duration 0.05–60 s"), VALID, "warning"
        ),
        in_set(
            "sample_rate_known",
            "sample_rate",
            [8000, 16000, 22050, 44100, 48000],
            ("샘플링 레이트", "Sample rate"),
            VALID,
            "warning",
        ),
        between("transcript_not_empty", "text_length", 1, None, ("정제 전사 존재", "Cleaned transcript is not empty")),
        zero(
            "transcript_well_formed",
            "transcript_errors",
            "전사 기호 형식",
            "Tags and dual transcriptions are well formed",
            severity="warning",
        ),
        source_present(),
    ]
