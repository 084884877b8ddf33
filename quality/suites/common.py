"""Expectations every suite gets, whatever the domain: personal data, duplicate content,
source files without labels, and the manifest's target distributions (통계적 다양성).

They run on the check frame :mod:`quality.check` builds: one row per label unit plus one row per
orphan source file, with the schema's check columns (``pii_hits`` and ``content_sha256`` are on
every schema) and the frame columns named here (:data:`ORPHAN_COLUMN`, :data:`RECORD_COLUMN`,
and one share column per target class, see :func:`add_share_columns`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quality.gx_runner import ExpectationSpec
from schemas.manifest import QualityTargets
from schemas.records import PROVENANCE_COLUMNS, RecordSchema

if TYPE_CHECKING:
    import pandas

__all__ = [
    "ORPHAN_COLUMN",
    "RECORD_COLUMN",
    "SHARE_PREFIX",
    "add_share_columns",
    "common_specs",
    "share_column",
    "validate_targets",
]

ORPHAN_COLUMN = "orphan_source"
"""Frame column: True for a source file no label points to, False for a label with its source."""

RECORD_COLUMN = "is_record"
"""Frame column: True for rows that are parsed records (not unreadable labels, not orphan sources)."""

SHARE_PREFIX = "share_"
"""Key prefix of the distribution expectations (their observed value is a share)."""

_PII = ("개인정보 보호", "Personal data protection")
_UNIQ = ("유일성", "Uniqueness")
_COMP = ("완전성", "Completeness")
_SEM = ("의미 정확성", "Semantic accuracy")
_DIV = ("통계적 다양성", "Statistical diversity")


def share_column(column: str, index: int) -> str:
    """Frame column holding 1.0 where ``column`` has the ``index``-th target class, 0.0 elsewhere."""
    return f"_share_{column}_{index}"


def validate_targets(schema: RecordSchema, targets: QualityTargets) -> list[str]:
    """Problems (``field '...': ...``) of the manifest's targets for this record schema."""
    problems = []
    usable = [c for c in schema.check_columns() if c not in PROVENANCE_COLUMNS]
    for column in targets.distributions:
        if column not in usable:
            problems.append(
                f"field 'quality.distributions.{column}': not a check column of {schema.name} "
                f"(choose from: {', '.join(usable)})"
            )
    return problems


def add_share_columns(frame: pandas.DataFrame, targets: QualityTargets) -> pandas.DataFrame:
    """Add one 0/1 column per target class, null on rows that are not records."""
    import numpy as np

    is_record = frame[RECORD_COLUMN].eq(True)
    for column, shares in targets.distributions.items():
        values = frame[column]
        for index, value in enumerate(shares):
            frame[share_column(column, index)] = np.where(is_record, values.eq(value).astype(float), np.nan)
    return frame


def _pii_spec() -> ExpectationSpec:
    return ExpectationSpec(
        "pii_free",
        *_PII,
        "개인정보 미포함 (주민·외국인등록번호, 전화번호, 이메일, 카드·사업자번호)",
        "No personal data (resident/foreigner numbers, phones, emails, card and business numbers)",
        "critical",
        "ExpectColumnValuesToBeBetween",
        {"column": "pii_hits", "min_value": 0, "max_value": 0},
        "0건 (0 records)",
        sensitive=True,
    )


def _duplicate_content_spec() -> ExpectationSpec:
    return ExpectationSpec(
        "content_unique",
        *_UNIQ,
        "내용 중복 없음 (ID만 다른 같은 내용)",
        "No duplicate content (the same content under another id)",
        "warning",
        "ExpectColumnValuesToBeUnique",
        {"column": "content_sha256"},
        "100%",
    )


def _orphan_spec() -> ExpectationSpec:
    return ExpectationSpec(
        "source_has_label",
        *_COMP,
        "라벨 없는 원천 파일 없음",
        "Every source file has a label",
        "warning",
        "ExpectColumnValuesToBeInSet",
        {"column": ORPHAN_COLUMN, "value_set": [False]},
        "100%",
    )


def _distribution_specs(targets: QualityTargets) -> list[ExpectationSpec]:
    specs = []
    tolerance = targets.distribution_tolerance
    for column, shares in targets.distributions.items():
        specs.append(
            ExpectationSpec(
                f"class_set_{column}",
                *_SEM,
                f"{column} 값이 정의된 클래스 안에 있음",
                f"Every {column} value is a declared class",
                "critical",
                "ExpectColumnValuesToBeInSet",
                {"column": column, "value_set": list(shares)},
                "100%",
            )
        )
        for index, (value, share) in enumerate(shares.items()):
            specs.append(
                ExpectationSpec(
                    f"{SHARE_PREFIX}{column}={value}",
                    *_DIV,
                    f"{column} 분포: {value}",
                    f"Share of {column} = {value}",
                    "warning",
                    "ExpectColumnMeanToBeBetween",
                    {
                        "column": share_column(column, index),
                        "min_value": round(max(0.0, share - tolerance), 6),
                        "max_value": round(min(1.0, share + tolerance), 6),
                    },
                    f"{share * 100:g}% ± {tolerance * 100:g}%p",
                )
            )
    return specs


def common_specs(targets: QualityTargets | None = None) -> list[ExpectationSpec]:
    """The expectations added to every suite (after the domain's own)."""
    specs = [_pii_spec(), _duplicate_content_spec(), _orphan_spec()]
    if targets is not None:
        specs.extend(_distribution_specs(targets))
    return specs
