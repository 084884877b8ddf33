"""Small builders for the per-schema suites: one quality-table row (구분 / 항목 / 정량목표) each."""

from __future__ import annotations

from typing import Any

from quality.gx_runner import ExpectationSpec, Severity

__all__ = [
    "COMP",
    "SEM",
    "SYN",
    "UNIQ",
    "VALID",
    "between",
    "id_specs",
    "in_set",
    "is_true",
    "pair_equal",
    "patient_specs",
    "schema_valid",
    "source_present",
    "zero",
]

SYN = ("구문 정확성", "Syntactic accuracy")
UNIQ = ("유일성", "Uniqueness")
SEM = ("의미 정확성", "Semantic accuracy")
COMP = ("완전성", "Completeness")
VALID = ("유효성", "Validity")

_VALID_ONLY = {"row_condition": "schema_valid == True", "condition_parser": "pandas"}


def schema_valid(target: float) -> ExpectationSpec:
    return ExpectationSpec(
        "label_schema_valid",
        *SYN,
        "라벨 스키마 적합률",
        "Share of labels that parse and match the schema",
        "critical",
        "ExpectColumnValuesToBeInSet",
        {"column": "schema_valid", "value_set": [True], "mostly": target},
        f"≥ {target * 100:g}%",
    )


def id_specs(column: str, what_ko: str, what_en: str) -> list[ExpectationSpec]:
    """``<column>_not_null`` and ``<column>_unique`` (critical)."""
    return [
        ExpectationSpec(
            f"{column}_not_null",
            *SYN,
            f"{what_ko} ID 존재",
            f"Every {what_en} has an id",
            "critical",
            "ExpectColumnValuesToNotBeNull",
            {"column": column, **_VALID_ONLY},
            "100%",
        ),
        ExpectationSpec(
            f"{column}_unique",
            *UNIQ,
            f"{what_ko} ID 고유성",
            f"{what_en.capitalize()} ids are unique",
            "critical",
            "ExpectColumnValuesToBeUnique",
            {"column": column},
            "100%",
        ),
    ]


def source_present() -> ExpectationSpec:
    return is_true("source_present", "has_source", "원천 파일 존재", "Every label has its source file", COMP)


def _spec(
    key: str,
    category: tuple[str, str],
    item: tuple[str, str],
    severity: Severity,
    expectation: str,
    kwargs: dict[str, Any],
    target: str = "100%",
) -> ExpectationSpec:
    return ExpectationSpec(key, *category, *item, severity, expectation, kwargs, target)


def is_true(
    key: str, column: str, item_ko: str, item_en: str, category: tuple[str, str] = SEM, severity: Severity = "critical"
) -> ExpectationSpec:
    """Every (non-null) value of a boolean column is True."""
    kwargs = {"column": column, "value_set": [True]}
    return _spec(key, category, (item_ko, item_en), severity, "ExpectColumnValuesToBeInSet", kwargs)


def zero(
    key: str, column: str, item_ko: str, item_en: str, category: tuple[str, str] = SEM, severity: Severity = "critical"
) -> ExpectationSpec:
    """A count column is 0 on every record."""
    kwargs = {"column": column, "min_value": 0, "max_value": 0}
    return _spec(key, category, (item_ko, item_en), severity, "ExpectColumnValuesToBeBetween", kwargs, "0건")


def between(
    key: str,
    column: str,
    low: float | None,
    high: float | None,
    item: tuple[str, str],
    category: tuple[str, str] = SEM,
    severity: Severity = "critical",
) -> ExpectationSpec:
    kwargs: dict[str, Any] = {"column": column}
    if low is not None:
        kwargs["min_value"] = low
    if high is not None:
        kwargs["max_value"] = high
    target = f"{low if low is not None else ''}–{high if high is not None else ''}"
    return _spec(key, category, item, severity, "ExpectColumnValuesToBeBetween", kwargs, target)


def in_set(
    key: str,
    column: str,
    values: list[Any],
    item: tuple[str, str],
    category: tuple[str, str] = SEM,
    severity: Severity = "critical",
) -> ExpectationSpec:
    kwargs = {"column": column, "value_set": values}
    return _spec(key, category, item, severity, "ExpectColumnValuesToBeInSet", kwargs, " · ".join(map(str, values)))


def pair_equal(key: str, a: str, b: str, item: tuple[str, str], severity: Severity = "critical") -> ExpectationSpec:
    kwargs = {"column_A": a, "column_B": b, "ignore_row_if": "either_value_is_missing"}
    return _spec(key, SEM, item, severity, "ExpectColumnPairValuesToBeEqual", kwargs)


def patient_specs() -> list[ExpectationSpec]:
    """What every healthcare record (an image study or a clinical note) is checked for: KCD/ICD-10 shaped
    diagnosis codes and a plausible patient age."""
    return [
        zero(
            "diagnosis_codes_valid",
            "invalid_codes",
            "진단코드 형식 (KCD/ICD-10)",
            "Diagnosis codes are KCD/ICD-10 codes",
        ),
        between(
            "patient_age_range",
            "patient_age",
            0,
            120,
            ("나이 범위 0–120", "Patient age within 0–120"),
            VALID,
            "warning",
        ),
    ]
