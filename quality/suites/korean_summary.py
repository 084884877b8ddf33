"""Document summarisation suite (문서요약): ids, sentences, summaries that point at real sentences."""

from __future__ import annotations

from quality.gx_runner import ExpectationSpec
from quality.suites._specs import COMP, between, id_specs, schema_valid, source_present, zero

__all__ = ["specs"]


def specs(*, syntactic_target: float) -> list[ExpectationSpec]:
    return [
        schema_valid(syntactic_target),
        *id_specs("doc_id", "문서", "document"),
        between("sentences_present", "sentence_count", 1, None, ("본문 문장 존재", "Every document has sentences")),
        zero("sentences_not_empty", "empty_sentence_count", "빈 문장 없음", "No sentence is empty"),
        between("extractive_present", "extractive_count", 1, None, ("추출 요약 존재", "Extractive summary present")),
        zero(
            "extractive_points_at_sentences",
            "extractive_invalid",
            "추출 요약 문장 번호 유효",
            "Extractive indices name existing sentences",
        ),
        between(
            "abstractive_present",
            "abstractive_count",
            1,
            None,
            ("생성 요약 존재", "Abstractive summary present"),
            COMP,
        ),
        zero(
            "abstractive_not_empty", "empty_abstractive_count", "빈 생성 요약 없음", "No abstractive summary is empty"
        ),
        *(
            between(f"score_{k}_range", k, 0, 5, (f"품질 점수 범위 ({k})", f"{k} score within 0–5"), severity="warning")
            for k in ("readable", "accurate", "informative", "trustworthy")
        ),
        source_present(),
    ]
