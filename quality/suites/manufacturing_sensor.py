"""Sensor series suite (제조 센서): complete, ordered readings in the declared units, labels in range."""

from __future__ import annotations

from quality.gx_runner import ExpectationSpec
from quality.suites._specs import COMP, between, id_specs, in_set, pair_equal, schema_valid, source_present, zero

__all__ = ["specs"]


def specs(*, syntactic_target: float) -> list[ExpectationSpec]:
    return [
        schema_valid(syntactic_target),
        *id_specs("series_id", "시계열", "series"),
        between("readings_present", "row_count", 1, None, ("측정값 존재", "Every series has readings")),
        pair_equal(
            "row_count_matches", "declared_row_count", "row_count", ("측정 행 수 일치", "Declared rows equal rows read")
        ),
        zero("timestamps_ordered", "unordered_timestamps", "측정 시각 순서", "Timestamps strictly increase"),
        zero("units_match_label", "unit_mismatches", "단위 일치", "Units equal the label's"),
        zero("no_missing_values", "missing_values", "결측값 없음", "No missing readings", COMP, "warning"),
        in_set("label_in_class_set", "label", ["정상", "이상"], ("상태 라벨 값", "Class is 정상 or 이상")),
        zero(
            "anomalies_inside_series",
            "anomalies_outside",
            "이상 구간이 측정 범위 안",
            "Anomaly segments lie inside the series",
        ),
        source_present(),
    ]
