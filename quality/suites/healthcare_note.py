"""Clinical note suite (헬스케어 임상기록): a note text for every label, KCD/ICD-10 shaped codes."""

from __future__ import annotations

from quality.gx_runner import ExpectationSpec
from quality.suites._specs import between, id_specs, patient_specs, schema_valid, source_present

__all__ = ["specs"]


def specs(*, syntactic_target: float) -> list[ExpectationSpec]:
    return [
        schema_valid(syntactic_target),
        *id_specs("note_id", "기록", "note"),
        between("note_text_present", "text_length", 1, None, ("기록 본문 존재", "Every note has text")),
        *patient_specs(),
        source_present(),
    ]
